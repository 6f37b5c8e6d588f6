package io.stillpoint.catalog;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Files whose catalog entry is gone and that are still to be removed from disk: recorded in the transaction
 * that deletes the restore point (or the repository), dropped once the files are gone.
 */
@Entity
@Table(name = "pending_deletion")
public class PendingDeletion extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "repository_id")
    public UUID repositoryId;

    @Column(name = "repository_path")
    public String repositoryPath;

    /** The restore point's directory under the repository; null for the repository's folder itself. */
    @Column(name = "relative_path")
    public String relativePath;

    @Column(name = "restore_point_id")
    public UUID restorePointId;

    @Column(name = "requested_at")
    public Instant requestedAt;

    public static PendingDeletion of(RestorePoint point, BackupRepository repository) {
        PendingDeletion deletion = folder(repository);
        deletion.relativePath = point.relativePath;
        deletion.restorePointId = point.id;
        return deletion;
    }

    public static PendingDeletion folder(BackupRepository repository) {
        PendingDeletion deletion = new PendingDeletion();
        deletion.id = UUID.randomUUID();
        deletion.repositoryId = repository.id;
        deletion.repositoryPath = repository.path;
        deletion.requestedAt = Instant.now();
        return deletion;
    }

    public boolean isFolder() {
        return relativePath == null;
    }

    /** A repository's pending deletions, its restore points before its folder. */
    public static List<PendingDeletion> ofRepository(UUID repositoryId) {
        return list("repositoryId = ?1 order by relativePath nulls last, requestedAt", repositoryId);
    }
}
