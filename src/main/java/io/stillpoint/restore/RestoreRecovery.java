package io.stillpoint.restore;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.catalog.Restore;
import io.stillpoint.catalog.RunStatus;
import io.stillpoint.catalog.VmLock;
import io.stillpoint.config.NodeName;
import io.stillpoint.fs.Durable;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Rolls back restores a crash interrupted: the staging directory goes, and a target folder moved
 * aside for an in-place swap that did not finish is put back, so the original files are intact.
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
            Staging staging = Staging.beside(Path.of(restore.targetPath), restore.id);
            try {
                if (Files.exists(staging.aside())) {
                    if (Files.exists(staging.target())) {
                        Durable.deleteTree(staging.aside());
                    } else {
                        Durable.rename(staging.aside(), staging.target());
                    }
                }
                Durable.deleteTree(staging.staging());
            } catch (IOException e) {
                LOG.errorf(e, "could not roll back restore %s", restore.id);
            }
            QuarkusTransaction.requiringNew().run(() -> {
                Restore r = Restore.byId(restore.id).orElseThrow();
                r.status = RunStatus.FAILED;
                r.error = "interrupted: the server stopped during the restore; the target was left as it was";
                r.finishedAt = Instant.now();
                r.stagingPath = null;
                VmLock.release(r.vmId, r.id);
            });
            LOG.warnf("restore %s was interrupted and has been rolled back", restore.id);
        }
    }
}
