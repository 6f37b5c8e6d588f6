package io.stillpoint.catalog;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One execution of a backup for one VM. */
@Entity
@Table(name = "backup_run")
public class BackupRun extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "vm_id")
    public UUID vmId;

    @Column(name = "job_id")
    public UUID jobId;

    @Column(name = "repository_id")
    public UUID repositoryId;

    /** What was asked for, e.g. {@code auto}. */
    @Column(name = "requested_mode")
    public String requestedMode;

    /** The least consistency the run may record, or null; it fails rather than record less. */
    @Column(name = "minimum_consistency")
    public String minimumConsistency;

    /** For a scheduled run: the fire it belongs to. */
    @Column(name = "scheduled_for")
    public Instant scheduledFor;

    /** What was done, e.g. {@code save-state}. */
    public String mode;

    public String writer;

    /** Bytes per second for this run's copy, or null for the server's default. */
    @Column(name = "bandwidth_limit")
    public Long bandwidthLimit;

    @Enumerated(EnumType.STRING)
    public RunStatus status;

    public String phase;

    public String consistency;

    /** The server node that executes the run. */
    public String node;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "finished_at")
    public Instant finishedAt;

    @Column(name = "held_since")
    public Instant heldSince;

    @Column(name = "hold_mode")
    public String holdMode;

    @Column(name = "prior_state")
    public String priorState;

    @Column(name = "downtime_millis")
    public Long downtimeMillis;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "phase_millis", columnDefinition = "jsonb")
    public Map<String, Long> phaseMillis = new LinkedHashMap<>();

    @Column(name = "bytes_total")
    public long bytesTotal;

    @Column(name = "bytes_copied")
    public long bytesCopied;

    @Column(name = "files_total")
    public long filesTotal;

    @Column(name = "files_copied")
    public long filesCopied;

    /** The {@code .partial} directory being written, so that recovery can remove it. */
    @Column(name = "partial_path")
    public String partialPath;

    @Column(name = "restore_point_id")
    public UUID restorePointId;

    /** {@code bitmap}, {@code differencing}, {@code compare} or {@code none} (the VM's first point in the repository). */
    @Column(name = "change_tracking")
    public String changeTracking;

    /** Why a better change tracking could not be used, e.g. "bitmap inconsistent: QEMU stopped without saving it". */
    @Column(name = "change_tracking_reason")
    public String changeTrackingReason;

    /** Bytes read from the snapshot; null for runs before incremental copies. */
    @Column(name = "bytes_read")
    public Long bytesRead;

    /** New data physically written to the repository. */
    @Column(name = "bytes_written")
    public Long bytesWritten;

    /** Data taken over from the previous point by block clone or hard link, written by no one. */
    @Column(name = "bytes_shared")
    public Long bytesShared;

    public String error;

    public static Optional<BackupRun> byId(UUID id) {
        return findByIdOptional(id);
    }

    /** Runs this node started that never finished: a crash interrupted them. */
    public static List<BackupRun> unfinishedOn(String node) {
        return list("node = ?1 and status in ?2", node, List.of(RunStatus.QUEUED, RunStatus.RUNNING));
    }

    public static Optional<BackupRun> lastOf(UUID jobId, UUID vmId) {
        return find("jobId = ?1 and vmId = ?2 order by createdAt desc", jobId, vmId).firstResultOptional();
    }

}
