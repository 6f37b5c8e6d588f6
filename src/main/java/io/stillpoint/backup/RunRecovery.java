package io.stillpoint.backup;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import io.stillpoint.alert.Alert;
import io.stillpoint.alert.AlertType;
import io.stillpoint.alert.Alerts;
import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.catalog.BackupRun;
import io.stillpoint.catalog.Host;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.catalog.RunStatus;
import io.stillpoint.catalog.Vm;
import io.stillpoint.catalog.VmLock;
import io.stillpoint.config.NodeName;
import io.stillpoint.fs.NotOwnedException;
import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.host.GuestState;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.inventory.HostRegistry;
import io.stillpoint.inventory.WriterRegistry;
import io.stillpoint.repository.RepositoryLayout;
import io.stillpoint.repository.RepositoryReport;
import io.stillpoint.restore.RestoreRecovery;
import io.stillpoint.writer.SnapshotWriter;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The start-up step that finishes what a crash interrupted, before this node takes new work: guests a
 * run of this node left held are resumed, its runs are marked FAILED as interrupted, their {@code
 * .partial} directories removed, writers' leftovers released, repositories checked, and restores rolled
 * back. When it repaired anything, it says what in one {@code recovery-repaired} alert.
 */
@ApplicationScoped
public class RunRecovery {

    private static final Logger LOG = Logger.getLogger(RunRecovery.class);

    private final HostRegistry hosts;
    private final WriterRegistry writers;
    private final RestoreRecovery restores;
    private final BackupMetrics metrics;
    private final RepositoryChecker checker;
    private final PendingDeletions deletions;
    private final Alerts alerts;
    private final String node;

    RunRecovery(HostRegistry hosts, WriterRegistry writers, RestoreRecovery restores, BackupMetrics metrics,
            RepositoryChecker checker, PendingDeletions deletions, NodeName node, Alerts alerts) {
        this.checker = checker;
        this.deletions = deletions;
        this.hosts = hosts;
        this.writers = writers;
        this.restores = restores;
        this.metrics = metrics;
        this.alerts = alerts;
        this.node = node.value();
    }

    void onStart(@Observes @Priority(10) StartupEvent start) {
        recover();
    }

    public void recover() {
        List<String> repaired = new ArrayList<>();
        List<BackupRun> interrupted = QuarkusTransaction.requiringNew().call(() -> BackupRun.unfinishedOn(node));
        for (BackupRun run : interrupted) {
            repaired.add(recover(run));
        }
        releaseWriterLeftovers();
        repaired.addAll(checkRepositories());
        int restoresRolledBack = restores.recover();
        if (restoresRolledBack > 0) {
            repaired.add(restoresRolledBack + " interrupted restore" + (restoresRolledBack == 1 ? "" : "s") + " rolled back");
        }
        QuarkusTransaction.requiringNew().run(() -> metrics.load(Vm.<Vm>listAll()));
        if (!repaired.isEmpty()) {
            alerts.raise(Alert.of(AlertType.RECOVERY_REPAIRED, "start-up recovery on node '" + node + "' repaired: "
                    + RunAlerts.oneLine(String.join("; ", repaired))).node(node).scope("node '" + node + "'"));
        }
    }

    /**
     * Finishes a run whose node died: resumes its guest if held, removes what it wrote, marks it FAILED (with
     * its {@code run-failed} alert).
     *
     * @return what was repaired, in a few words
     */
    public String recover(BackupRun run) {
        Vm vm = QuarkusTransaction.requiringNew().call(() -> Vm.byId(run.vmId).orElseThrow());
        String interruptedIn = run.phase == null ? "queue" : run.phase;
        StringBuilder error = new StringBuilder("interrupted: the server stopped during the " + interruptedIn + " phase");
        if (run.heldSince != null && GuestState.RUNNING.name().equals(run.priorState)) {
            try {
                Hypervisor host = hosts.of(QuarkusTransaction.requiringNew().call(() -> Host.byId(vm.hostId).orElseThrow()));
                if (host.guest(vm.ref).state() != GuestState.RUNNING) {
                    host.start(vm.ref);
                    error.append("; guest resumed by recovery");
                    LOG.warnf("recovery resumed guest '%s' that run %s left %s", vm.name, run.id, run.holdMode);
                }
            } catch (RuntimeException e) {
                error.append("; the guest could not be resumed: ").append(BackupPipeline.message(e));
                LOG.errorf(e, "recovery could not resume guest '%s' held by run %s", vm.name, run.id);
            }
        }
        if (run.partialPath != null) {
            removeUncommitted(run);
        }
        QuarkusTransaction.requiringNew().run(() -> {
            BackupRun r = BackupRun.byId(run.id).orElseThrow();
            r.status = RunStatus.FAILED;
            r.error = error.toString();
            r.finishedAt = Instant.now();
            r.heldSince = null;
            r.partialPath = null;
            VmLock.release(r.vmId, r.id);
            alerts.raise(RunAlerts.of(AlertType.RUN_FAILED, r, "failed: " + r.error));
        });
        LOG.warnf("run %s of VM '%s': %s", run.id, vm.name, error);
        return "run " + run.id + " of VM '" + vm.name + "' marked failed (" + error + ")";
    }

    /**
     * Releases what dead snapshots left on each host. A host with a run still active (this node's were
     * recovered above, so it belongs to another live node) is left alone: its snapshot is in use, and
     * releasing it would change the view under that run's copy.
     */
    private void releaseWriterLeftovers() {
        List<Host> all = QuarkusTransaction.requiringNew().call(() -> Host.<Host>listAll());
        Set<UUID> busyHosts = QuarkusTransaction.requiringNew().call(() -> BackupRun.<BackupRun>list("status in ?1",
                List.of(RunStatus.QUEUED, RunStatus.RUNNING)).stream()
                .map(run -> Vm.byId(run.vmId).map(vm -> vm.hostId).orElse(null))
                .filter(java.util.Objects::nonNull)
                .collect(Collectors.toSet()));
        for (Host row : all) {
            if (busyHosts.contains(row.id)) {
                LOG.infof("host '%s' has runs in progress on another node; its snapshots are left to them", row.name);
                continue;
            }
            for (SnapshotWriter writer : writers.all()) {
                if (!writer.supportsHost(row.type)) {
                    continue;
                }
                try {
                    Hypervisor host = hosts.of(row);
                    if (!writer.availabilityFor(host).available()) {
                        continue;
                    }
                    writer.recover(host);
                } catch (RuntimeException e) {
                    LOG.errorf(e, "writer '%s' could not release leftovers on host '%s'", writer.kind(), row.name);
                }
            }
        }
    }

    /**
     * Checks every repository: removes what interrupted runs and deletions of its own left (see {@link
     * io.stillpoint.repository.RepositoryCheck}), reports the rest, and finishes deleting repositories
     * whose deletion a stop interrupted.
     */
    private List<String> checkRepositories() {
        List<String> repaired = new ArrayList<>();
        List<BackupRepository> repositories = QuarkusTransaction.requiringNew().call(() -> BackupRepository.<BackupRepository>listAll());
        for (BackupRepository repository : repositories) {
            try {
                RepositoryReport report = checker.check(repository.id, true);
                if (!report.removed().isEmpty()) {
                    LOG.infof("repository '%s': removed %s, left by interrupted work", repository.name, report.removed());
                    repaired.add("removed " + report.removed().size() + " leftovers of interrupted work from repository '"
                            + repository.name + "'");
                }
                if (!report.unknown().isEmpty()) {
                    LOG.warnf("repository '%s' holds %d entries the catalog does not know, left as they are: %s", repository.name,
                            report.unknown().size(), firstFew(report.unknown()));
                }
                if (!report.missing().isEmpty()) {
                    LOG.errorf("repository '%s': %d restore points in the catalog whose files are gone: %s", repository.name,
                            report.missing().size(), firstFew(report.missing()));
                }
                report.problems().forEach(problem -> LOG.errorf("repository '%s': %s", repository.name, problem));
            } catch (IOException e) {
                LOG.errorf(e, "repository '%s' could not be checked for interrupted work", repository.name);
            }
        }
        Set<UUID> listed = repositories.stream().map(r -> r.id).collect(Collectors.toSet());
        for (UUID deleted : deletions.repositories()) {
            if (!listed.contains(deleted)) {
                PendingDeletions.Outcome outcome = deletions.finish(deleted);
                if (!outcome.removed().isEmpty() || outcome.folderRemoved()) {
                    LOG.infof("finished deleting repository %s: removed %s%s", deleted, outcome.removed(),
                            outcome.folderRemoved() ? " and its folder" : "");
                    repaired.add("finished deleting repository " + deleted);
                }
            }
        }
        return repaired;
    }

    /**
     * Removes what an interrupted run wrote: its {@code .partial} directory, or the finished directory it was
     * renamed to when the crash came before the restore point was cataloged. The run's row proves both were
     * its own; they are removed inside the repository's marked folder only.
     */
    private static void removeUncommitted(BackupRun run) {
        try {
            BackupRepository repository = QuarkusTransaction.requiringNew().call(() -> BackupRepository.byId(run.repositoryId))
                    .orElseThrow(() -> new NotOwnedException(Path.of(run.partialPath), "belongs to a deleted repository"));
            OwnedFolder folder = RepositoryChecker.open(repository);
            String partial = RepositoryChecker.relative(folder, repository, Path.of(run.partialPath))
                    .orElseThrow(() -> new NotOwnedException(Path.of(run.partialPath), "is not inside repository '"
                            + repository.name + "'"));
            if (!partial.endsWith(RepositoryLayout.PARTIAL_SUFFIX)) {
                throw new NotOwnedException(Path.of(run.partialPath), "is not a .partial directory");
            }
            folder.deleteGenerated(partial);
            String finished = partial.substring(0, partial.length() - RepositoryLayout.PARTIAL_SUFFIX.length());
            UUID pointId = UUID.fromString(finished.substring(finished.indexOf('/') + 1));
            if (QuarkusTransaction.requiringNew().call(() -> RestorePoint.byId(pointId).isEmpty())) {
                folder.deleteGenerated(finished);
            }
            folder.deleteGeneratedIfEmpty(finished.substring(0, finished.indexOf('/')));
        } catch (IOException | RuntimeException e) {
            LOG.errorf("run %s: %s was left in place: %s", run.id, run.partialPath, e.getMessage());
        }
    }

    /** A catalog of a million points can miss thousands of folders; the log names enough to look into, not all. */
    private static String firstFew(List<String> names) {
        int shown = 20;
        return names.size() <= shown ? names.toString()
                : names.subList(0, shown) + " and " + (names.size() - shown) + " more (GET /api/repositories/{id}/check lists them all)";
    }
}
