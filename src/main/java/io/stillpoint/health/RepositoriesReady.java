package io.stillpoint.health;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.catalog.BackupRepository;
import java.nio.file.Files;
import java.util.List;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Ready only when every backup repository can take a restore point (the catalog has its own check). */
@Readiness
public class RepositoriesWritable implements HealthCheck {

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("repositories").up();
        List<BackupRepository> repositories = QuarkusTransaction.requiringNew().call(() -> BackupRepository.<BackupRepository>listAll());
        for (BackupRepository repository : repositories) {
            boolean writable = Files.isDirectory(repository.root()) && Files.isWritable(repository.root());
            response.withData(repository.name, writable ? "writable" : "not writable: " + repository.path);
            if (!writable) {
                response.down();
            }
        }
        return response.build();
    }
}
