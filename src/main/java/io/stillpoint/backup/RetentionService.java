package io.stillpoint.backup;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.catalog.InstantRecovery;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.inventory.ConflictException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.ZoneId;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/** Applies a retention policy to one VM's restore points in one repository. */
@ApplicationScoped
public class RetentionService {

    private static final Logger LOG = Logger.getLogger(RetentionService.class);

    private final RestorePointDeleter deleter;

    RetentionService(RestorePointDeleter deleter) {
        this.deleter = deleter;
    }

    /** Decides, and unless {@code dryRun} removes what no rule keeps; returns every decision. */
    public List<Retention.Decision> apply(UUID vmId, UUID repositoryId, RetentionPolicy policy, ZoneId zone, boolean dryRun) {
        List<Retention.Candidate> points = QuarkusTransaction.requiringNew().call(() -> RestorePoint
                .<RestorePoint>list("vmId = ?1 and repositoryId = ?2", vmId, repositoryId).stream()
                .map(p -> new Retention.Candidate(p.id, p.createdAt, p.isProtected,
                        Retention.Verification.of(p.verifyStatus)))
                .toList());
        List<Retention.Decision> decisions = Retention.decide(points, policy, zone).stream()
                .map(RetentionService::keptWhileAVmRunsFromIt).toList();
        if (!dryRun) {
            for (Retention.Decision decision : decisions) {
                if (!decision.keep()) {
                    try {
                        deleter.delete(decision.id());
                        LOG.infof("pruned restore point %s of VM %s (taken %s)", decision.id(), vmId, decision.createdAt());
                    } catch (ConflictException busy) {
                        LOG.infof("kept restore point %s for now: %s", decision.id(), busy.getMessage());
                    }
                }
            }
        }
        return decisions;
    }

    /** A restore point a VM runs from (instant recovery) is kept until the VM is finalized or discarded. */
    private static Retention.Decision keptWhileAVmRunsFromIt(Retention.Decision decision) {
        List<InstantRecovery> using = QuarkusTransaction.requiringNew().call(() -> InstantRecovery.using(decision.id()));
        if (using.isEmpty()) {
            return decision;
        }
        List<String> reasons = new java.util.ArrayList<>(decision.reasons());
        using.forEach(r -> reasons.add("in use by instant recovery " + r.id + " (VM '" + r.name + "')"));
        return new Retention.Decision(decision.id(), decision.createdAt(), List.copyOf(reasons));
    }
}
