package io.stillpoint.catalog;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** Who holds a VM: a backup run or an in-place restore. The row is the lock. */
@Entity
@Table(name = "vm_lock")
public class VmLock extends PanacheEntityBase {

    @Id
    @Column(name = "vm_id")
    public UUID vmId;

    /** {@code run} or {@code restore}. */
    public String holder;

    @Column(name = "holder_id")
    public UUID holderId;

    public String node;

    @Column(name = "acquired_at")
    public Instant acquiredAt;

    public static Optional<VmLock> of(UUID vmId) {
        return findByIdOptional(vmId);
    }

    public static void release(UUID vmId, UUID holderId) {
        delete("vmId = ?1 and holderId = ?2", vmId, holderId);
    }
}
