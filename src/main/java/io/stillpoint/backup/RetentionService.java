package io.stillpoint.backup;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.catalog.InstantRecovery;
import io.stillpoint.catalog.RestorePoint;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/** Applies a retention policy to VMs' restore points in one repository. */
@ApplicationScoped
public class RetentionService {

    private static final Logger LOG = Logger.getLogger(RetentionService.class);

    private final RestorePointDeleter deleter;
    private final RepositoryUsageSampler usage;

    RetentionService(RestorePointDeleter deleter, RepositoryUsageSampler usage) {
        this.deleter = deleter;
        this.usage = usage;
    }

    /**
     * Decides for each VM, and unless {@code dryRun} removes what no rule keeps, in batches ({@link
     * RestorePointDeleter#deleteAll}); returns every decision by VM, in the order given. Only what the rules
     * need of each point is read. The repository's usage is sampled once at the end, not per VM: a sample
     * sums all the repository's points.
     */
    public Map<UUID, List<Retention.Decision>> apply(List<UUID> vmIds, UUID repositoryId, RetentionPolicy policy,
            ZoneId zone, boolean dryRun) {
        Map<UUID, List<Retention.Decision>> decisions = new LinkedHashMap<>();
        boolean pruned = false;
        for (UUID vmId : vmIds) {
            List<Retention.Decision> decided = apply(vmId, repositoryId, policy, zone, dryRun);
            decisions.put(vmId, decided);
            pruned |= !dryRun && decided.stream().anyMatch(d -> !d.keep());
        }
        if (pruned) {
            usage.sample(repositoryId);
        }
        return decisions;
    }

    private List<Retention.Decision> apply(UUID vmId, UUID repositoryId, RetentionPolicy policy, ZoneId zone, boolean dryRun) {
        List<Retention.Candidate> points = QuarkusTransaction.requiringNew().call(() -> RestorePoint.getEntityManager()
                .createQuery("select p.id, p.createdAt, p.isProtected, p.verifyStatus from RestorePoint p"
                        + " where p.vmId = ?1 and p.repositoryId = ?2", Object[].class)
                .setParameter(1, vmId).setParameter(2, repositoryId).getResultList().stream()
                .map(row -> new Retention.Candidate((UUID) row[0], (Instant) row[1], (Boolean) row[2],
                        Retention.Verification.of((String) row[3])))
                .toList());
        List<Retention.Decision> decided = Retention.decide(points, policy, zone);
        // The VMs running from restore points are few: all of them, not a query per point.
        Map<UUID, List<InstantRecovery>> inUse = QuarkusTransaction.requiringNew().call(() -> InstantRecovery
                .running().stream().collect(Collectors.groupingBy(r -> r.restorePointId)));
        List<Retention.Decision> decisions = decided.stream()
                .map(d -> keptWhileAVmRunsFromIt(d, inUse.getOrDefault(d.id(), List.of()))).toList();
        if (!dryRun) {
            List<UUID> prune = decisions.stream().filter(d -> !d.keep()).map(Retention.Decision::id).toList();
            Set<UUID> pruned = Set.copyOf(deleter.deleteAll(prune));
            LOG.infof("pruned %d restore points of VM %s in repository %s", pruned.size(), vmId, repositoryId);
            prune.stream().filter(id -> !pruned.contains(id))
                    .forEach(id -> LOG.infof("kept restore point %s for now: protected, or a restore or VM uses it", id));
        }
        return decisions;
    }

    /** A restore point a VM runs from (instant recovery) is kept until the VM is finalized or discarded. */
    private static Retention.Decision keptWhileAVmRunsFromIt(Retention.Decision decision, List<InstantRecovery> using) {
        if (using.isEmpty()) {
            return decision;
        }
        List<String> reasons = new java.util.ArrayList<>(decision.reasons());
        using.forEach(r -> reasons.add("in use by instant recovery " + r.id + " (VM '" + r.name + "')"));
        return new Retention.Decision(decision.id(), decision.createdAt(), List.copyOf(reasons));
    }
}
