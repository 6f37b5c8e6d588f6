package io.stillpoint.health;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.backup.RepositoryChecker;
import io.stillpoint.catalog.BackupRepository;
import java.util.List;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only when every backup repository can take a restore point and holds every restore point the
 * catalog lists: its folder is there, carries the repository's marker, is writable, and no cataloged
 * restore point's files are gone (those are named). The catalog has its own check.
 */
@Readiness
public class RepositoriesReady implements HealthCheck {

    private final RepositoryChecker checker;

    RepositoriesReady(RepositoryChecker checker) {
        this.checker = checker;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("repositories").up();
        List<BackupRepository> repositories = QuarkusTransaction.requiringNew().call(() -> BackupRepository.<BackupRepository>listAll());
        for (BackupRepository repository : repositories) {
            List<String> problems = checker.readiness(repository);
            response.withData(repository.name, problems.isEmpty() ? "ready" : String.join("; ", problems));
            if (!problems.isEmpty()) {
                response.down();
            }
        }
        return response.build();
    }
}
