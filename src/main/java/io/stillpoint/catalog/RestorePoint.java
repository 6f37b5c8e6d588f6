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

    /** How the run knew what changed: {@code bitmap}, {@code differencing}, {@code compare}, {@code none}. */
    @Column(name = "change_tracking")
    public String changeTracking;

    /** New data this point added to the repository; the rest of {@link #sizeBytes} is shared with earlier points. */
    @Column(name = "bytes_written")
    public Long bytesWritten;

    @Column(name = "bytes_shared")
    public Long bytesShared;

    /** The point this one started from; it needs that point for nothing, this only bounds what a delete frees. */
    @Column(name = "based_on")
    public UUID basedOn;

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

    /** The VM's newest point. */
    public static Optional<RestorePoint> newestOf(UUID vmId) {
        return find("vmId = ?1 order by createdAt desc, id desc", vmId).firstResultOptional();
    }

    /** The instant of each VM's newest point, in one query (an index probe per VM); VMs without one are absent. */
    public static java.util.Map<UUID, Instant> newestOf(List<UUID> vmIds) {
        java.util.Map<UUID, Instant> newest = new java.util.HashMap<>();
        if (!vmIds.isEmpty()) {
            getEntityManager().createQuery("select v.id, (select max(p.createdAt) from RestorePoint p where p.vmId = v.id)"
                    + " from Vm v where v.id in ?1", Object[].class).setParameter(1, vmIds).getResultList()
                    .stream().filter(row -> row[1] != null).forEach(row -> newest.put((UUID) row[0], (Instant) row[1]));
        }
        return newest;
    }

    public static List<RestorePoint> inRepository(UUID repositoryId) {
        return list("repositoryId", repositoryId);
    }

    /** Where a point lies in its repository. */
    public record Located(UUID id, UUID vmId, String relativePath) {}

    /** Up to {@code limit} of the repository's points after {@code afterId} (null: from the start), in id order. */
    public static List<Located> locatedIn(UUID repositoryId, UUID afterId, int limit) {
        var query = getEntityManager().createQuery("select new io.stillpoint.catalog.RestorePoint$Located(p.id, p.vmId,"
                + " p.relativePath) from RestorePoint p where p.repositoryId = ?1" + (afterId == null ? "" : " and p.id > ?2")
                + " order by p.id", Located.class).setParameter(1, repositoryId).setMaxResults(limit);
        if (afterId != null) {
            query.setParameter(2, afterId);
        }
        return query.getResultList();
    }

    /** The VMs that have points in the repository. */
    public static List<UUID> vmsIn(UUID repositoryId) {
        return getEntityManager().createQuery("select v.id from Vm v where exists (select 1 from RestorePoint p"
                + " where p.vmId = v.id and p.repositoryId = ?1)", UUID.class).setParameter(1, repositoryId).getResultList();
    }

    /** The directories of one VM's points in the repository; {@code vmFolder} is the VM's id. */
    public static java.util.Set<String> pathsOf(UUID repositoryId, String vmFolder) {
        UUID vmId;
        try {
            vmId = UUID.fromString(vmFolder);
        } catch (IllegalArgumentException e) {
            return java.util.Set.of();
        }
        return new java.util.HashSet<>(getEntityManager().createQuery("select p.relativePath from RestorePoint p"
                + " where p.repositoryId = ?1 and p.vmId = ?2", String.class)
                .setParameter(1, repositoryId).setParameter(2, vmId).getResultList());
    }

    public static Optional<RestorePoint> basedOn(UUID pointId) {
        return find("basedOn", pointId).firstResultOptional();
    }

    /** How many points a repository holds and their logical size. */
    public record Totals(long count, long logicalBytes) {}

    public static Totals totalsIn(UUID repositoryId) {
        Object[] row = getEntityManager()
                .createQuery("select count(p), coalesce(sum(p.sizeBytes), 0) from RestorePoint p where p.repositoryId = ?1",
                        Object[].class)
                .setParameter(1, repositoryId).getSingleResult();
        return new Totals(((Number) row[0]).longValue(), ((Number) row[1]).longValue());
    }

    /** The VM's newest points in the repository, newest first: the baseline of its next run and its history. */
    public static List<RestorePoint> latestOf(UUID vmId, UUID repositoryId, int limit) {
        return find("vmId = ?1 and repositoryId = ?2 order by createdAt desc", vmId, repositoryId).page(0, limit).list();
    }
}
