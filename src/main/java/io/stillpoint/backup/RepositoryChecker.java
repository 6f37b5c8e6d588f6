package io.stillpoint.backup;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.catalog.BackupRun;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.catalog.RunStatus;
import io.stillpoint.repository.RepositoryCheck;
import io.stillpoint.repository.RepositoryLayout;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/** Runs the {@link RepositoryCheck} of a repository against the catalog. */
@ApplicationScoped
public class RepositoryChecker {

    public List<String> check(UUID repositoryId, boolean remove) throws IOException {
        record Known(BackupRepository repository, Set<UUID> points, Set<String> active) {}
        Known known = QuarkusTransaction.requiringNew().call(() -> {
            BackupRepository repository = BackupRepository.byId(repositoryId).orElseThrow();
            Set<UUID> points = RestorePoint.inRepository(repositoryId).stream().map(p -> p.id).collect(Collectors.toSet());
            RepositoryLayout layout = new RepositoryLayout(repository.root());
            Set<String> active = new HashSet<>();
            for (BackupRun run : BackupRun.<BackupRun>list("repositoryId = ?1 and status in ?2", repositoryId,
                    List.of(RunStatus.QUEUED, RunStatus.RUNNING))) {
                if (run.partialPath != null) {
                    String partial = layout.root().relativize(Path.of(run.partialPath)).toString();
                    active.add(partial);
                    active.add(partial.substring(0, partial.length() - RepositoryLayout.PARTIAL_SUFFIX.length()));
                }
            }
            return new Known(repository, points, active);
        });
        return RepositoryCheck.run(new RepositoryLayout(known.repository().root()), known.points(), known.active(), remove);
    }
}
