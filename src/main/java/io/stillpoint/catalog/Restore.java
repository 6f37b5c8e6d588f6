package io.stillpoint.catalog;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Putting a restore point back: in place or to another path. */
@Entity
@Table(name = "restore")
public class Restore extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "restore_point_id")
    public UUID restorePointId;

    @Column(name = "vm_id")
    public UUID vmId;

    /** {@code original}, {@code path} or {@code new-vm}. */
    public String target;

    @Column(name = "target_path")
    public String targetPath;

    @Column(name = "start_after")
    public boolean startAfter;

    @Column(name = "stop_vm")
    public boolean stopVm;

    @Column(name = "keep_previous")
    public boolean keepPrevious;

    /** Restored although the restore point's last verify failed. */
    public boolean forced;

    @Column(name = "host_id")
    public UUID hostId;

    @Column(name = "new_vm_name")
    public String newVmName;

    @Column(name = "new_vm_id")
    public UUID newVmId;

    @Column(name = "idempotency_key")
    public String idempotencyKey;

    @Column(name = "request_digest")
    public String requestDigest;

    @Enumerated(EnumType.STRING)
    public RunStatus status;

    public String node;

    @Column(name = "requested_by")
    public String requestedBy;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "finished_at")
    public Instant finishedAt;

    /** The staging directory being filled, so that recovery can remove it. */
    @Column(name = "staging_path")
    public String stagingPath;

    @Column(name = "bytes_total")
    public long bytesTotal;

    @Column(name = "bytes_copied")
    public long bytesCopied;

    @Column(name = "files_copied")
    public long filesCopied;

    public String error;

    public static Optional<Restore> byId(UUID id) {
        return findByIdOptional(id);
    }

    public static Optional<Restore> byIdempotencyKey(String key) {
        return find("idempotencyKey", key).firstResultOptional();
    }

    public static List<Restore> unfinishedOn(String node) {
        return list("node = ?1 and status in ?2", node, List.of(RunStatus.QUEUED, RunStatus.RUNNING));
    }

}
