package io.stillpoint.backup;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.catalog.Restore;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.catalog.RunStatus;
import io.stillpoint.fs.Durable;
import io.stillpoint.inventory.ConflictException;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.repository.RepositoryLayout;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Deletes restore points, catalog first, then files: a crash in between leaves files the catalog does
 * not know, which the repository check removes; never a catalog row whose files are gone.
 */
@ApplicationScoped
public class RestorePointDeleter {

    private static final Logger LOG = Logger.getLogger(RestorePointDeleter.class);

    /**
     * @throws ConflictException for a protected restore point or one a restore is reading
     */
    public void delete(UUID pointId) {
        Path dir = QuarkusTransaction.requiringNew().call(() -> {
            RestorePoint point = RestorePoint.byId(pointId).orElseThrow(() -> new NotFoundException("restore point", pointId));
            if (point.isProtected) {
                throw new ConflictException("restore point " + pointId + " is protected; unprotect it first");
            }
            long reading = Restore.count("restorePointId = ?1 and status in ?2", pointId,
                    List.of(RunStatus.QUEUED, RunStatus.RUNNING));
            if (reading > 0) {
                throw new ConflictException("restore point " + pointId + " is being restored");
            }
            BackupRepository repository = BackupRepository.byId(point.repositoryId).orElseThrow();
            point.delete();
            return new RepositoryLayout(repository.root()).resolve(point.relativePath);
        });
        try {
            Durable.deleteTree(dir);
        } catch (IOException e) {
            LOG.warnf(e, "restore point %s is gone from the catalog; its files in %s are left for the repository check",
                    pointId, dir);
        }
    }
}
