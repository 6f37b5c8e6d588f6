package io.stillpoint.backup;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.catalog.BackupJob;
import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.catalog.BackupRun;
import io.stillpoint.catalog.PendingDeletion;
import io.stillpoint.catalog.Restore;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.catalog.RunStatus;
import io.stillpoint.fs.NotOwnedException;
import io.stillpoint.inventory.ConflictException;
import io.stillpoint.inventory.NotFoundException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Deletes a repository, catalog first, then files. Refused while a job backs up to it, a run writes to it
 * or a restore reads from it, and while it holds restore points unless they are explicitly deleted with it.
 * The restore points' directories are removed, then the folder is given up: its marker goes, and the
 * folder too when nothing else is left in it (anything Stillpoint did not make stays where it is).
 */
@ApplicationScoped
public class RepositoryDeleter {

    private static final List<RunStatus> ACTIVE = List.of(RunStatus.QUEUED, RunStatus.RUNNING);

    private final PendingDeletions deletions;

    RepositoryDeleter(PendingDeletions deletions) {
        this.deletions = deletions;
    }

    /**
     * @param restorePoints how many restore points were deleted with the repository
     * @param removed their directories removed from disk
     * @param folderRemoved whether the repository's folder is gone
     * @param problems what is still to be removed, and why; a later start finishes it
     */
    public record Deleted(int restorePoints, List<String> removed, boolean folderRemoved, List<String> problems) {}

    /**
     * @param deletePoints whether to delete the repository's restore points with it
     * @throws NotFoundException for an unknown repository
     * @throws ConflictException naming what still uses the repository
     */
    public Deleted delete(UUID repositoryId, boolean deletePoints) {
        int points = QuarkusTransaction.requiringNew().call(() -> {
            // Locked, so that no run or job can be created against it while it goes.
            BackupRepository repository = BackupRepository.<BackupRepository>findByIdOptional(repositoryId,
                    LockModeType.PESSIMISTIC_WRITE).orElseThrow(() -> new NotFoundException("repository", repositoryId));
            String what = "repository '" + repository.name + "'";
            List<BackupJob> jobs = BackupJob.list("repositoryId", repositoryId);
            if (!jobs.isEmpty()) {
                throw new ConflictException(what + " is the target of " + names(jobs.stream().map(j -> "job '" + j.name + "'"))
                        + "; point them at another repository or delete them first");
            }
            if (BackupRun.count("repositoryId = ?1 and status in ?2", repositoryId, ACTIVE) > 0) {
                throw new ConflictException(what + " has runs in progress writing to it");
            }
            if (Restore.count("restorePointId in (select p.id from RestorePoint p where p.repositoryId = ?1) and status in ?2",
                    repositoryId, ACTIVE) > 0) {
                throw new ConflictException(what + " has restores in progress reading from it");
            }
            List<RestorePoint> held = RestorePoint.inRepository(repositoryId);
            if (!held.isEmpty() && !deletePoints) {
                throw new ConflictException(what + " holds " + held.size() + " restore points; delete them first, or"
                        + " with it (deletePoints=true)");
            }
            List<RestorePoint> kept = held.stream().filter(p -> p.isProtected).toList();
            if (!kept.isEmpty()) {
                throw new ConflictException(what + " holds protected restore points "
                        + names(kept.stream().map(p -> p.id.toString())) + "; unprotect them first");
            }
            Optional<String> notOwned = whyNotOwned(repository);
            if (!held.isEmpty() && notOwned.isPresent()) {
                throw new ConflictException(what + ": " + notOwned.get()
                        + "; Stillpoint deletes restore points only in a folder that carries its marker");
            }
            for (RestorePoint point : held) {
                PendingDeletion.of(point, repository).persist();
                point.delete();
            }
            if (notOwned.isEmpty()) {
                PendingDeletion.folder(repository).persist();
            }
            repository.delete();
            return held.size();
        });
        PendingDeletions.Outcome outcome = deletions.finish(repositoryId);
        return new Deleted(points, outcome.removed(), outcome.folderRemoved(), outcome.problems());
    }

    private static Optional<String> whyNotOwned(BackupRepository repository) {
        try {
            RepositoryChecker.open(repository);
            return Optional.empty();
        } catch (IOException | NotOwnedException e) {
            return Optional.of(e.getMessage());
        }
    }

    private static String names(Stream<String> names) {
        return names.sorted().collect(Collectors.joining(", "));
    }
}
