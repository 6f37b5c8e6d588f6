package io.stillpoint.backup;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.catalog.InstantRecovery;
import io.stillpoint.catalog.PendingDeletion;
import io.stillpoint.catalog.Restore;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.catalog.RunStatus;
import io.stillpoint.inventory.ConflictException;
import io.stillpoint.inventory.NotFoundException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Deletes restore points, catalog first, then files: the transaction that removes a point from the catalog
 * records its directory as a {@link PendingDeletion}, which stays until the files are gone. A crash in
 * between leaves files that the next repository check removes because the catalog says so; never a
 * catalog row whose files are gone, and never a removal the catalog did not ask for.
 */
@ApplicationScoped
public class RestorePointDeleter {

    /** Points deleted in one catalog transaction. */
    static final int BATCH = 500;

    private final PendingDeletions deletions;
    private final RepositoryUsageSampler usage;

    RestorePointDeleter(PendingDeletions deletions, RepositoryUsageSampler usage) {
        this.deletions = deletions;
        this.usage = usage;
    }

    /**
     * @throws ConflictException for a protected restore point, one a restore is reading, or one a VM runs
     *     from (instant recovery)
     */
    public void delete(UUID pointId) {
        PendingDeletion pending = QuarkusTransaction.requiringNew().call(() -> {
            RestorePoint point = RestorePoint.byId(pointId).orElseThrow(() -> new NotFoundException("restore point", pointId));
            if (point.isProtected) {
                throw new ConflictException("restore point " + pointId + " is protected; unprotect it first");
            }
            long reading = Restore.count("restorePointId = ?1 and status in ?2", pointId,
                    List.of(RunStatus.QUEUED, RunStatus.RUNNING));
            if (reading > 0) {
                throw new ConflictException("restore point " + pointId + " is being restored");
            }
            InstantRecovery.using(pointId).stream().findFirst().ifPresent(recovery -> {
                throw new ConflictException("restore point " + pointId + " is in use by instant recovery " + recovery.id
                        + " (VM '" + recovery.name + "', " + recovery.state + "); finalize or discard it first");
            });
            BackupRepository repository = BackupRepository.byId(point.repositoryId).orElseThrow();
            PendingDeletion deletion = PendingDeletion.of(point, repository);
            deletion.persist();
            point.delete();
            return deletion;
        });
        deletions.finish(List.of(pending));
        // After the files, so the sample shows the space the deletion gave back.
        usage.sample(pending.repositoryId);
    }

    /**
     * Deletes many points of one repository as {@link #delete} does one, {@value #BATCH} to a transaction: a
     * huge prune neither holds one long transaction nor loads every point. Points that {@link #delete} would
     * refuse are kept and left out of the answer. The caller samples the repository's usage once it is done
     * ({@link RepositoryUsageSampler#sample}): a sample sums all the repository's points.
     *
     * @return the points deleted
     */
    public List<UUID> deleteAll(List<UUID> pointIds) {
        List<UUID> deleted = new ArrayList<>();
        for (int from = 0; from < pointIds.size(); from += BATCH) {
            List<UUID> batch = pointIds.subList(from, Math.min(pointIds.size(), from + BATCH));
            List<PendingDeletion> pending = QuarkusTransaction.requiringNew().call(() -> {
                Set<UUID> busy = new HashSet<>();
                Restore.<Restore>list("restorePointId in ?1 and status in ?2", batch,
                        List.of(RunStatus.QUEUED, RunStatus.RUNNING)).forEach(r -> busy.add(r.restorePointId));
                InstantRecovery.usingAny(batch).forEach(r -> busy.add(r.restorePointId));
                Map<UUID, BackupRepository> rows = new HashMap<>();
                List<PendingDeletion> made = new ArrayList<>();
                for (RestorePoint point : RestorePoint.<RestorePoint>list("id in ?1", batch)) {
                    if (point.isProtected || busy.contains(point.id)) {
                        continue;
                    }
                    PendingDeletion deletion = PendingDeletion.of(point, rows.computeIfAbsent(point.repositoryId,
                            id -> BackupRepository.byId(id).orElseThrow()));
                    deletion.persist();
                    made.add(deletion);
                }
                RestorePoint.delete("id in ?1", made.stream().map(d -> d.restorePointId).toList());
                return made;
            });
            if (pending.isEmpty()) {
                continue;
            }
            deletions.finish(pending);
            pending.forEach(d -> deleted.add(d.restorePointId));
        }
        return deleted;
    }
}
