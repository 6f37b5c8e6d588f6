package io.stillpoint.backup;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.alert.Alert;
import io.stillpoint.alert.AlertType;
import io.stillpoint.alert.Alerts;
import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.catalog.BackupRun;
import io.stillpoint.catalog.PendingDeletion;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.catalog.RunStatus;
import io.stillpoint.catalog.Vm;
import io.stillpoint.fs.NotOwnedException;
import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.repository.RepositoryCheck;
import io.stillpoint.repository.RepositoryLayout;
import io.stillpoint.repository.RepositoryReport;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Runs the {@link RepositoryCheck} of a repository against the catalog, and says whether a repository is
 * ready for backups. A repository folder made by a Stillpoint that did not mark its folders is marked by
 * the first check that may change something, but only when it holds nothing but restore points; otherwise
 * it stays unmarked, nothing in it is removed, and the check and health say why. A repository that fails
 * its check (or its readiness) raises {@code repository-check-failed} once, until a check finds it sound.
 */
@ApplicationScoped
public class RepositoryChecker {

    private static final Logger LOG = Logger.getLogger(RepositoryChecker.class);
    private static final int NAMED_AT_MOST = 10;
    /** Restore points read from the catalog at a time. */
    private static final int BATCH = 500;

    static final String CHECK_FAILED = "repository-check:";

    private final PendingDeletions deletions;
    private final Alerts alerts;

    RepositoryChecker(PendingDeletions deletions, Alerts alerts) {
        this.deletions = deletions;
        this.alerts = alerts;
    }

    /**
     * @param remove whether to remove Stillpoint's own leftovers (and mark a folder an older version left
     *     unmarked); without it the check changes nothing
     * @throws NotFoundException for an unknown repository
     */
    public RepositoryReport check(UUID repositoryId, boolean remove) throws IOException {
        BackupRepository repository = QuarkusTransaction.requiringNew().call(() -> BackupRepository.byId(repositoryId)
                .orElseThrow(() -> new NotFoundException("repository", repositoryId)));
        OwnedFolder folder;
        try {
            if (!remove) {
                folder = OwnedFolder.open(repository.root(), RepositoryLayout.PURPOSE, repository.id);
            } else if (Files.isDirectory(repository.root()) && OwnedFolder.read(repository.root()).isEmpty()) {
                folder = OwnedFolder.adopt(repository.root(), RepositoryLayout.PURPOSE, repository.id,
                        RepositoryCheck::foreignContent);
                LOG.infof("repository '%s': marked %s, made by an earlier version and holding only restore points",
                        repository.name, folder.path());
            } else {
                folder = OwnedFolder.open(repository.root(), RepositoryLayout.PURPOSE, repository.id);
            }
        } catch (NotOwnedException e) {
            RepositoryReport unchecked = RepositoryReport.unchecked(notOwned(e, remove));
            alertOn(repository, unchecked.problems());
            return unchecked;
        }
        RepositoryCheck.Catalog catalog = QuarkusTransaction.requiringNew().call(() -> new RepositoryCheck.Catalog(
                vm -> QuarkusTransaction.requiringNew().call(() -> RestorePoint.pathsOf(repositoryId, vm)),
                RestorePoint.vmsIn(repositoryId).stream().map(UUID::toString).collect(Collectors.toSet()),
                PendingDeletion.ofRepository(repositoryId).stream().map(d -> d.relativePath).filter(Objects::nonNull)
                        .collect(Collectors.toSet()),
                RepositoryChecker::runActive));
        RepositoryReport report = RepositoryCheck.run(folder, catalog, remove);
        if (remove) {
            deletions.forgetRemoved(repositoryId, folder.path());
        }
        List<String> failures = new ArrayList<>(report.problems());
        if (!report.missing().isEmpty()) {
            failures.add(report.missing().size() + " restore points in the catalog lost their files: " + named(report.missing()));
        }
        alertOn(repository, failures);
        return report;
    }

    /**
     * Raises {@code repository-check-failed} for the repository while it has {@code problems}, once; clears it
     * when it has none.
     */
    void alertOn(BackupRepository repository, List<String> problems) {
        String key = CHECK_FAILED + repository.id;
        if (problems.isEmpty()) {
            alerts.clear(key);
        } else {
            alerts.raiseWhile(key, Alert.of(AlertType.REPOSITORY_CHECK_FAILED, "repository '" + repository.name
                            + "' fails its check: " + RunAlerts.oneLine(String.join("; ", problems)))
                    .repository(repository.id).scope("repository '" + repository.name + "'"));
        }
    }

    /**
     * What keeps a repository from being ready: its folder missing, not marked as this repository's, not
     * writable, or restore points in the catalog whose files are gone (named, with their VM). Empty when
     * ready.
     */
    public List<String> readiness(BackupRepository repository) {
        OwnedFolder folder;
        try {
            folder = OwnedFolder.open(repository.root(), RepositoryLayout.PURPOSE, repository.id);
        } catch (IOException | NotOwnedException e) {
            return List.of(e.getMessage());
        }
        List<String> problems = new ArrayList<>();
        if (!Files.isWritable(folder.path())) {
            problems.add(folder.path() + " is not writable by the server");
        }
        List<String> gone = new ArrayList<>();
        Map<UUID, String> vms = QuarkusTransaction.requiringNew().call(
                () -> Vm.<Vm>listAll().stream().collect(Collectors.toMap(v -> v.id, v -> v.name)));
        UUID after = null;
        while (true) {
            UUID from = after;
            List<RestorePoint.Located> batch = QuarkusTransaction.requiringNew().call(
                    () -> RestorePoint.locatedIn(repository.id, from, BATCH));
            batch.stream()
                    .filter(p -> !Files.isRegularFile(folder.path().resolve(p.relativePath()).resolve(RepositoryLayout.MANIFEST),
                            LinkOption.NOFOLLOW_LINKS))
                    .forEach(p -> gone.add(p.id() + " (VM '" + vms.get(p.vmId()) + "')"));
            if (batch.size() < BATCH) {
                break;
            }
            after = batch.get(batch.size() - 1).id();
        }
        if (!gone.isEmpty()) {
            problems.add(gone.size() + " restore points are in the catalog but their files are gone: " + named(gone)
                    + "; delete them from the catalog, or bring their files back");
        }
        return problems;
    }

    private static String named(List<String> all) {
        return String.join(", ", all.subList(0, Math.min(all.size(), NAMED_AT_MOST)))
                + (all.size() > NAMED_AT_MOST ? " and " + (all.size() - NAMED_AT_MOST) + " more" : "");
    }

    /** The repository a run writes to, as the folder it may write in. */
    static OwnedFolder open(BackupRepository repository) throws IOException {
        return OwnedFolder.open(repository.root(), RepositoryLayout.PURPOSE, repository.id);
    }

    /** The repository's folder relative path of {@code path}, if it lies inside the folder. */
    static Optional<String> relative(OwnedFolder folder, BackupRepository repository, Path path) {
        for (Path root : List.of(folder.path(), repository.root().toAbsolutePath().normalize())) {
            if (path.startsWith(root) && !path.equals(root)) {
                return Optional.of(root.relativize(path).toString());
            }
        }
        return Optional.empty();
    }

    private static String notOwned(NotOwnedException e, boolean remove) {
        String why = e.getMessage();
        if (!remove && !Files.exists(e.path().resolve(OwnedFolder.MARKER), LinkOption.NOFOLLOW_LINKS)) {
            try {
                if (Files.isDirectory(e.path(), LinkOption.NOFOLLOW_LINKS)
                        && RepositoryCheck.foreignContent(e.path()).isEmpty()) {
                    return why + "; it holds only restore points, so a check that is not a dry run marks it";
                }
            } catch (IOException unreadable) {
                return why + "; " + unreadable.getMessage();
            }
        }
        return why + "; nothing in it is checked or removed";
    }

    private static boolean runActive(UUID runId) {
        return QuarkusTransaction.requiringNew().call(() -> BackupRun.<BackupRun>findByIdOptional(runId)
                .map(run -> run.status == RunStatus.QUEUED || run.status == RunStatus.RUNNING)
                .orElse(false));
    }
}
