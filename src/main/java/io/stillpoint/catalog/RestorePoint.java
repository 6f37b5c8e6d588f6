package io.stillpoint.catalog;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** A complete, verified copy of one VM at one instant. Only committed once its files are durable. */
@Entity
@Table(name = "restore_point")
public class RestorePoint extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "vm_id")
    public UUID vmId;

    @Column(name = "run_id")
    public UUID runId;

    @Column(name = "repository_id")
    public UUID repositoryId;

    /** The snapshot instant: the moment this restore point brings the VM back to. */
    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "cataloged_at")
    public Instant catalogedAt;

    public String mode;

    public String consistency;

    public String writer;

    /** The restore point's directory, relative to its repository's root. */
    @Column(name = "relative_path")
    public String relativePath;

    @Column(name = "size_bytes")
    public long sizeBytes;

    @Column(name = "file_count")
    public long fileCount;

    @Column(name = "manifest_sha256")
    public String manifestSha256;

    @Column(name = "protected")
    public boolean isProtected;

    @Column(name = "verified_at")
    public Instant verifiedAt;

    /** {@code RUNNING}, {@code OK} or {@code FAILED}; null until the first verify. */
    @Column(name = "verify_status")
    public String verifyStatus;

    /** What the last failed verify found, naming the files. */
    @Column(name = "verify_problems")
    public String verifyProblems;

    public static Optional<RestorePoint> byId(UUID id) {
        return findByIdOptional(id);
    }

    public static List<RestorePoint> ofVm(UUID vmId) {
        return list("vmId = ?1 order by createdAt desc", vmId);
    }

    public static List<RestorePoint> newestFirst() {
        return list("order by createdAt desc");
    }

    public static List<RestorePoint> inRepository(UUID repositoryId) {
        return list("repositoryId", repositoryId);
    }
}
