package io.stillpoint.restore;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.catalog.Restore;
import io.stillpoint.catalog.RunStatus;
import io.stillpoint.catalog.VmLock;
import io.stillpoint.config.NodeName;
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

    RestoreRecovery(NodeName node) {
        this.node = node.value();
    }

    public void recover() {
        List<Restore> interrupted = QuarkusTransaction.requiringNew().call(() -> Restore.unfinishedOn(node));
        for (Restore restore : interrupted) {
            String outcome = "the target was left as it was";
            Path target = Path.of(restore.targetPath);
            try {
                // Recovery creates nothing: without the target's folder there is nothing to roll back.
                if (Files.isDirectory(target.toAbsolutePath().getParent())) {
                    try (Staging staging = Staging.beside(target, restore.id)) {
                        outcome = staging.rollBack(Instant.now());
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
    }
}
