package io.stillpoint.restore;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.catalog.Host;
import io.stillpoint.catalog.Restore;
import io.stillpoint.catalog.RunStatus;
import io.stillpoint.catalog.Vm;
import io.stillpoint.catalog.VmLock;
import io.stillpoint.config.NodeName;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.inventory.HostRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Rolls back restores a crash interrupted: the staging folder goes if it is marked as the interrupted
 * restore's own, and a guest's folder set aside for an in-place swap that did not finish is put back, so the
 * original files are intact. Nothing else is deleted: a replaced folder whose successor is already in place is
 * kept under a visible name, and anything not marked as the restore's is left and named in its error.
 */
@ApplicationScoped
public class RestoreRecovery {

    private static final Logger LOG = Logger.getLogger(RestoreRecovery.class);

    private final String node;
    private final HostRegistry hosts;

    RestoreRecovery(NodeName node, HostRegistry hosts) {
        this.node = node.value();
        this.hosts = hosts;
    }

    /** @return how many interrupted restores it rolled back */
    public int recover() {
        List<Restore> interrupted = QuarkusTransaction.requiringNew().call(() -> Restore.unfinishedOn(node));
        for (Restore restore : interrupted) {
            String outcome = "the target was left as it was";
            Path target = Path.of(restore.targetPath);
            try {
                // Recovery creates nothing: without the target's folder there is nothing to roll back.
                if (Files.isDirectory(target.toAbsolutePath().getParent())) {
                    try (Staging staging = Staging.beside(target, restore.id)) {
                        // A host that swaps disks one by one puts them back from the staged copy, before it goes.
                        String disks = putBackDisks(restore, staging.staging());
                        outcome = staging.rollBack(Instant.now()) + (disks == null ? "" : "; " + disks);
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.errorf(e, "could not roll back restore %s", restore.id);
                outcome = "rolling back failed: " + e.getMessage();
            }
            String error = "interrupted: the server stopped during the restore; " + outcome;
            QuarkusTransaction.requiringNew().run(() -> {
                Restore r = Restore.byId(restore.id).orElseThrow();
                r.status = RunStatus.FAILED;
                r.error = error;
                r.finishedAt = Instant.now();
                r.stagingPath = null;
                VmLock.release(r.vmId, r.id);
            });
            LOG.warnf("restore %s was interrupted: %s", restore.id, outcome);
        }
        return interrupted.size();
    }

    /** What a host that restores in place itself put back, or null for any other restore. */
    private String putBackDisks(Restore restore, Path staged) {
        if (!RestoreTarget.ORIGINAL.id().equals(restore.target)) {
            return null;
        }
        Host host = QuarkusTransaction.requiringNew().call(() -> Vm.byId(restore.vmId).flatMap(vm -> Host.byId(vm.hostId)))
                .orElse(null);
        if (host == null) {
            return null;
        }
        Hypervisor hypervisor = hosts.of(host);
        return hypervisor.restoresInPlaceItself() ? hypervisor.rollBackInPlace(staged, restore.id) : null;
    }
}
