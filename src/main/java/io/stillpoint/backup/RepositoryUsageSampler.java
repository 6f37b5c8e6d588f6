package io.stillpoint.backup;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.catalog.RepositoryUsage;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.repository.RepositorySpace;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Samples a repository's space after what changes it (a successful run, a deleted restore point), so its
 * use over time shows what incremental points cost. Sampling is bookkeeping: it never fails the run or the
 * deletion that asked for it.
 */
@ApplicationScoped
public class RepositoryUsageSampler {

    private static final Logger LOG = Logger.getLogger(RepositoryUsageSampler.class);

    public void sample(UUID repositoryId) {
        if (repositoryId == null) {
            return;
        }
        try {
            Optional<Path> root = QuarkusTransaction.requiringNew()
                    .call(() -> BackupRepository.byId(repositoryId).map(BackupRepository::root));
            if (root.isEmpty()) {
                return;
            }
            // Read outside the transaction: a hung network share must not hold the repository's row lock.
            Long used = RepositorySpace.of(root.get()).map(RepositorySpace::usedBytes).orElse(null);
            QuarkusTransaction.requiringNew().run(() -> {
                if (BackupRepository.findByIdOptional(repositoryId, LockModeType.PESSIMISTIC_WRITE).isPresent()) {
                    RepositoryUsage.record(repositoryId, Instant.now(), used,
                            RestorePoint.totalsIn(repositoryId).logicalBytes());
                }
            });
        } catch (RuntimeException e) {
            LOG.warnf(e, "usage of repository %s was not sampled", repositoryId);
        }
    }
}
