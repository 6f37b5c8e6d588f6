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
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A VM running straight from a restore point's files, until its disks are moved to the host or it is discarded. */
@Entity
@Table(name = "instant_recovery")
public class InstantRecovery extends PanacheEntityBase {

    @Schema(name = "InstantRecoveryState")
    public enum State {
        STARTING, RUNNING, FINALIZING, FINALIZED, FAILED, DISCARDED
    }

    /** The states in which the VM may read the restore point's files. */
    public static final List<State> USING = List.of(State.STARTING, State.RUNNING, State.FINALIZING);

    @Id
    public UUID id;

    @Column(name = "restore_point_id")
    public UUID restorePointId;

    @Column(name = "host_id")
    public UUID hostId;

    /** The new VM's name on its host. */
    public String name;

    @Column(name = "vm_id")
    public UUID vmId;

    @Enumerated(EnumType.STRING)
    public State state;

    public String error;

    @Column(name = "finalize_path")
    public String finalizePath;

    public String node;

    @Column(name = "requested_by")
    public String requestedBy;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "finalize_started_at")
    public Instant finalizeStartedAt;

    @Column(name = "finished_at")
    public Instant finishedAt;

    @Column(name = "bytes_total")
    public Long bytesTotal;

    @Column(name = "bytes_moved")
    public Long bytesMoved;

    public static Optional<InstantRecovery> byId(UUID id) {
        return findByIdOptional(id);
    }

    /** The recoveries that run from any of these points, in one query. */
    public static List<InstantRecovery> usingAny(java.util.Collection<UUID> restorePointIds) {
        return restorePointIds.isEmpty() ? List.of() : list("restorePointId in ?1 and state in ?2", restorePointIds, USING);
    }

    /** Every recovery a VM runs from (or is being made or finalized from). */
    public static List<InstantRecovery> running() {
        return list("state in ?1", USING);
    }

    /** The recoveries that run from the restore point now, which protect it from retention and deletion. */
    public static List<InstantRecovery> using(UUID restorePointId) {
        return list("restorePointId = ?1 and state in ?2", restorePointId, USING);
    }

    /** Recoveries of this node that a stop may have interrupted mid-way. */
    public static List<InstantRecovery> unsettledOn(String node) {
        return list("node = ?1 and state in ?2", node, List.of(State.STARTING, State.FINALIZING));
    }
}
