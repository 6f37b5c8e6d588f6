package io.stillpoint.backup;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.catalog.PendingDeletion;
import io.stillpoint.fs.NotOwnedException;
import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.repository.RepositoryLayout;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The file half of "catalog first, then files": removes what {@link PendingDeletion}s name, inside the
 * repository folder whose marker names their repository, and forgets each once its files are gone. What
 * cannot be removed stays pending for the next check or start.
 */
@ApplicationScoped
public class PendingDeletions {

    private static final Logger LOG = Logger.getLogger(PendingDeletions.class);
    private static final int FORGET_BATCH = 500;

    /**
     * @param removed restore point directories removed
     * @param folderRemoved whether the repository's folder itself was removed (only for a deleted repository,
     *     and only when nothing but its marker was left in it)
     * @param problems what could not be removed, and why
     */
    public record Outcome(List<String> removed, boolean folderRemoved, List<String> problems) {}

    /** Finishes every pending deletion of one repository, its restore points before its folder. */
    public Outcome finish(UUID repositoryId) {
        return finish(QuarkusTransaction.requiringNew().call(() -> PendingDeletion.ofRepository(repositoryId)));
    }

    /** Finishes pending deletions of one repository, restore points before the folder. */
    public Outcome finish(List<PendingDeletion> pending) {
        List<String> removed = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        if (pending.isEmpty()) {
            return new Outcome(removed, false, problems);
        }
        PendingDeletion first = pending.get(0);
        OwnedFolder folder;
        try {
            folder = OwnedFolder.open(Path.of(first.repositoryPath), RepositoryLayout.PURPOSE, first.repositoryId);
        } catch (IOException | NotOwnedException e) {
            problems.add("nothing removed: " + e.getMessage());
            LOG.warnf("%d deletions in repository %s wait: %s", pending.size(), first.repositoryId, e.getMessage());
            return new Outcome(removed, false, problems);
        }
        boolean folderRemoved = false;
        List<UUID> done = new ArrayList<>();
        for (PendingDeletion deletion : pending.stream().filter(d -> !d.isFolder()).toList()) {
            try {
                folder.deleteGenerated(deletion.relativePath);
                folder.deleteGeneratedIfEmpty(deletion.relativePath.substring(0, deletion.relativePath.indexOf('/')));
                done.add(deletion.id);
                removed.add(deletion.relativePath);
            } catch (IOException | NotOwnedException e) {
                problems.add(deletion.relativePath + " could not be removed: " + e.getMessage());
                LOG.warnf("restore point %s is gone from the catalog; its files %s stay pending: %s",
                        deletion.restorePointId, folder.path().resolve(deletion.relativePath), e.getMessage());
            }
        }
        // One commit for many, not one per point: a crash before it leaves deletions pending whose files are
        // gone, which the next pass finds missing and forgets.
        forget(done);
        for (PendingDeletion deletion : pending.stream().filter(PendingDeletion::isFolder).toList()) {
            if (!problems.isEmpty()) {
                continue;
            }
            try {
                folderRemoved = folder.release();
                forget(deletion.id);
                if (!folderRemoved) {
                    LOG.infof("repository folder %s is no longer Stillpoint's; it was kept, as it holds what Stillpoint"
                            + " did not make", folder.path());
                }
            } catch (IOException e) {
                problems.add("the folder could not be given up: " + e.getMessage());
            }
        }
        return new Outcome(removed, folderRemoved, problems);
    }

    /** Forgets the pending deletions of a repository whose directories a check has removed. */
    void forgetRemoved(UUID repositoryId, Path root) {
        for (PendingDeletion deletion : QuarkusTransaction.requiringNew().call(() -> PendingDeletion.ofRepository(repositoryId))) {
            if (!deletion.isFolder() && !Files.exists(root.resolve(deletion.relativePath), LinkOption.NOFOLLOW_LINKS)) {
                forget(deletion.id);
            }
        }
    }

    /** Repositories with deletions still pending, including repositories the catalog no longer lists. */
    Set<UUID> repositories() {
        return QuarkusTransaction.requiringNew().call(() -> Set.copyOf(PendingDeletion.getEntityManager()
                .createQuery("select distinct d.repositoryId from PendingDeletion d", UUID.class).getResultList()));
    }

    private static void forget(UUID id) {
        QuarkusTransaction.requiringNew().run(() -> PendingDeletion.deleteById(id));
    }

    private static void forget(List<UUID> ids) {
        for (int from = 0; from < ids.size(); from += FORGET_BATCH) {
            List<UUID> batch = ids.subList(from, Math.min(ids.size(), from + FORGET_BATCH));
            QuarkusTransaction.requiringNew().run(() -> PendingDeletion.delete("id in ?1", batch));
        }
    }
}
