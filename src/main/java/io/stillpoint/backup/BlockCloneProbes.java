package io.stillpoint.backup;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.copy.BlockClone;
import io.stillpoint.fs.OwnedFolder;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Finds out, per repository, whether its files can share blocks: at creation, at each start (the folder
 * may have been moved to another file system, or remounted) and before a run when it is still unknown.
 * The answer decides how a run shares unchanged data with the previous point: reflink clone, or hard link.
 */
@ApplicationScoped
public class BlockCloneProbes {

    private static final Logger LOG = Logger.getLogger(BlockCloneProbes.class);

    /** In the background: a repository on a hung share must not hold up the start. */
    void onStart(@Observes @Priority(50) StartupEvent start) {
        Thread probing = new Thread(() -> {
            List<UUID> ids = QuarkusTransaction.requiringNew()
                    .call(() -> BackupRepository.<BackupRepository>listAll().stream().map(r -> r.id).toList());
            ids.forEach(this::probe);
        }, "stillpoint-block-clone-probe");
        probing.setDaemon(true);
        probing.start();
    }

    /** Probes the repository's folder and records the answer; empty when the folder cannot be probed now. */
    public Optional<Boolean> probe(UUID repositoryId) {
        Optional<BackupRepository> repository = QuarkusTransaction.requiringNew().call(() -> BackupRepository.byId(repositoryId));
        if (repository.isEmpty()) {
            return Optional.empty();
        }
        boolean canClone;
        try {
            OwnedFolder folder = RepositoryChecker.open(repository.get());
            canClone = BlockClone.probe(folder.path());
        } catch (IOException | RuntimeException e) {
            LOG.warnf("repository '%s' (%s): cannot find out whether it can clone blocks: %s", repository.get().name,
                    repository.get().path, BackupPipeline.message(e));
            return Optional.empty();
        }
        QuarkusTransaction.requiringNew().run(() -> BackupRepository.byId(repositoryId).ifPresent(r -> {
            if (!Boolean.valueOf(canClone).equals(r.blockClone)) {
                LOG.infof("repository '%s' (%s) %s", r.name, r.path, canClone
                        ? "can clone blocks: restore points share unchanged data by reflink"
                        : "cannot clone blocks: restore points share unchanged files by hard link, changed files are"
                                + " written whole");
            }
            r.blockClone = canClone;
            r.blockCloneCheckedAt = Instant.now();
        }));
        return Optional.of(canClone);
    }
}
