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

/** A guest Stillpoint protects. Its live state comes from the host; the row keeps its identity. */
@Entity
@Table(name = "vm")
public class Vm extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "host_id")
    public UUID hostId;

    /** The hypervisor's own id of the guest. */
    public String ref;

    public String name;

    @Column(name = "guest_os")
    public String guestOs;

    @Column(name = "can_quiesce")
    public boolean canQuiesce;

    @Column(name = "memory_bytes")
    public long memoryBytes;

    @Column(name = "created_at")
    public Instant createdAt;

    /** When a refresh found the guest gone from its host; {@code null} while it is there. */
    @Column(name = "vanished_at")
    public Instant vanishedAt;

    /**
     * The oldest its newest restore point may be before the VM counts as unprotected, whatever its jobs'
     * schedules allow; null for none.
     */
    @Column(name = "max_point_age_seconds")
    public Long maxPointAgeSeconds;

    public static Optional<Vm> byId(UUID id) {
        return findByIdOptional(id);
    }

    /** The names of the VMs with these ids, in one query. */
    public static java.util.Map<UUID, String> namesOf(java.util.Collection<UUID> ids) {
        java.util.Map<UUID, String> names = new java.util.HashMap<>();
        if (!ids.isEmpty()) {
            getEntityManager().createQuery("select v.id, v.name from Vm v where v.id in ?1", Object[].class)
                    .setParameter(1, ids).getResultList().forEach(row -> names.put((UUID) row[0], (String) row[1]));
        }
        return names;
    }

    public static Optional<Vm> byRef(UUID hostId, String ref) {
        return find("hostId = ?1 and ref = ?2", hostId, ref).firstResultOptional();
    }

    public static List<Vm> ofHost(UUID hostId) {
        return list("hostId = ?1 order by name", hostId);
    }
}
