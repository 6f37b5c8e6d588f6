package io.stillpoint.backup;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.alert.AlertType;
import io.stillpoint.alert.Alerts;
import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.catalog.BackupRun;
import io.stillpoint.catalog.Host;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.catalog.RunStatus;
import io.stillpoint.catalog.Vm;
import io.stillpoint.config.StillpointConfig;
import io.stillpoint.copy.Baseline;
import io.stillpoint.copy.CancellationSignal;
import io.stillpoint.copy.CopyListener;
import io.stillpoint.copy.CopyOptions;
import io.stillpoint.copy.CopyProgress;
import io.stillpoint.copy.CopyResult;
import io.stillpoint.copy.SkippedEntry;
import io.stillpoint.copy.TreeCopier;
import io.stillpoint.fs.Durable;
import io.stillpoint.fs.NotOwnedException;
import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.host.GuestHold;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestState;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.inventory.HostRegistry;
import io.stillpoint.inventory.VmLocks;
import io.stillpoint.inventory.WriterRegistry;
import io.stillpoint.repository.ChunkIndex;
import io.stillpoint.repository.Manifest;
import io.stillpoint.repository.ManifestCodec;
import io.stillpoint.repository.ManifestEntry;
import io.stillpoint.repository.ManifestVm;
import io.stillpoint.repository.MetadataFiles;
import io.stillpoint.repository.RepositoryLayout;
import io.stillpoint.writer.PreparedSnapshot;
import io.stillpoint.writer.Snapshot;
import io.stillpoint.writer.SnapshotException;
import io.stillpoint.writer.SnapshotView;
import io.stillpoint.writer.SnapshotWriter;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Executes one backup run: prepare, hold, snapshot, resume, copy, manifest, commit, release — the
 * flow of DESIGN.md. The invariants this class keeps are written in {@code package-info.java}.
 */
@ApplicationScoped
public class BackupPipeline {

    private static final Logger LOG = Logger.getLogger(BackupPipeline.class);
    /** The purpose of a run's scratch folder under {@code $STILLPOINT_HOME/work}, named by the run's id. */
    private static final String SCRATCH_PURPOSE = "run-scratch";

    private final HostRegistry hosts;
    private final WriterRegistry writers;
    private final GuestWatchdog watchdog;
    private final RunProgress progress;
    private final BackupMetrics metrics;
    private final VmLocks locks;
    private final StillpointConfig config;
    private final BlockCloneProbes probes;
    private final RepositoryUsageSampler usage;
    private final Alerts alerts;
    private final Map<UUID, CancellationSignal> cancellations = new ConcurrentHashMap<>();

    BackupPipeline(HostRegistry hosts, WriterRegistry writers, GuestWatchdog watchdog, RunProgress progress,
            BackupMetrics metrics, VmLocks locks, StillpointConfig config, BlockCloneProbes probes, RepositoryUsageSampler usage,
            Alerts alerts) {
        this.hosts = hosts;
        this.writers = writers;
        this.watchdog = watchdog;
        this.progress = progress;
        this.metrics = metrics;
        this.locks = locks;
        this.config = config;
        this.probes = probes;
        this.usage = usage;
        this.alerts = alerts;
    }

    /** Asks a running copy to stop; the run ends CANCELLED with nothing half-written left. */
    public boolean cancel(UUID runId, String why) {
        CancellationSignal signal = cancellations.get(runId);
        if (signal == null) {
            return false;
        }
        signal.cancel(why);
        return true;
    }

    public void execute(UUID runId) {
        CancellationSignal cancel = new CancellationSignal();
        cancellations.put(runId, cancel);
        Work work = null;
        try {
            work = begin(runId);
            run(work, cancel);
        } catch (Throwable unexpected) {
            LOG.errorf(unexpected, "run %s ended unexpectedly", runId);
            if (work == null) {
                finish(runId, null, RunStatus.FAILED, "could not start: " + message(unexpected), null);
            }
        } finally {
            cancellations.remove(runId);
            progress.finish(runId);
        }
    }

    private record Work(BackupRun run, Vm vm, Host hostRow, Hypervisor host, BackupRepository repository,
            SnapshotWriter writer, PhaseClock phases) {}

    private Work begin(UUID runId) {
        return QuarkusTransaction.requiringNew().call(() -> {
            BackupRun run = BackupRun.byId(runId).orElseThrow();
            run.status = RunStatus.RUNNING;
            run.startedAt = Instant.now();
            run.phase = "prepare";
            Vm vm = Vm.byId(run.vmId).orElseThrow();
            Host hostRow = Host.byId(vm.hostId).orElseThrow();
            BackupRepository repository = BackupRepository.byId(run.repositoryId).orElseThrow();
            SnapshotWriter writer = writers.byKind(run.writer).orElseThrow();
            return new Work(run, vm, hostRow, hosts.of(hostRow), repository, writer, new PhaseClock());
        });
    }

    private void run(Work work, CancellationSignal cancel) {
        BackupRun run = work.run();
        Vm vm = work.vm();
        UUID restorePointId = UUID.randomUUID();
        String finishedName = RepositoryLayout.relative(vm.id, restorePointId);
        String partialName = finishedName + RepositoryLayout.PARTIAL_SUFFIX;
        OwnedFolder repository = null;
        OwnedFolder scratch = null;
        long downtimeNanos = 0;
        boolean committed = false;
        String phase = "prepare";
        CopyLog copyLog = null;
        try {
            repository = RepositoryChecker.open(work.repository());
            Path repositoryRoot = repository.path();
            Path partial = repository.path().resolve(partialName);
            Path finished = repository.path().resolve(finishedName);
            GuestInfo guest = work.host().guest(vm.ref);
            if (guest.backupBlockedReason() != null) {
                throw new SnapshotException("guest '" + guest.name() + "' cannot be backed up: "
                        + guest.backupBlockedReason());
            }
            BackupMode requested = BackupMode.parse(run.requestedMode).orElseThrow();
            boolean running = guest.state() == GuestState.RUNNING;
            HoldMode hold = requested.holdFor(guest);
            checkHoldPossible(work, guest, hold, running);
            Consistency consistency = running ? Consistency.of(hold) : Consistency.ofStill(guest.state());
            if (run.minimumConsistency != null) {
                Consistency minimum = Consistency.parse(run.minimumConsistency).orElseThrow();
                if (!consistency.satisfies(minimum)) {
                    throw new SnapshotException("mode '" + requested.id() + "' can only reach " + consistency.id()
                            + " consistency for guest '" + guest.name() + "' (state " + guest.state()
                            + (guest.canQuiesce() ? "" : ", cannot quiesce") + "), and the job demands at least "
                            + minimum.id());
                }
            }
            String mode = running ? BackupMode.of(hold).id() : requested.id();
            update(run.id, r -> {
                r.mode = mode;
                r.consistency = consistency.id();
                r.partialPath = partial.toString();
            });

            scratch = OwnedFolder.create(config.home().resolve("work").resolve(run.id.toString()), SCRATCH_PURPOSE, run.id);
            Path workDir = scratch.path();
            copyLog = new CopyLog(workDir);
            OwnedFolder written = OwnedFolder.create(partial, RepositoryLayout.PARTIAL_PURPOSE, run.id);
            if (!written.path().equals(partial)) {
                throw new NotOwnedException(partial, "leads out of the repository through a link, to " + written.path());
            }
            Held held;
            try (PreparedSnapshot prepared = work.phases().time("prepare", () -> work.writer().prepare(work.host(), guest, workDir))) {
                phase = "snapshot";
                held = holdAndSnapshot(work, guest, hold, running, prepared);
            }
            downtimeNanos = held.downtimeNanos();
            try (Snapshot snapshot = held.snapshot()) {
                phase = "copy";
                setPhase(run.id, phase, downtimeNanos, work.phases());
                SnapshotView view = snapshot.view();
                boolean blockClone = canClone(work.repository());
                IncrementalPlan plan = work.phases().time("changes",
                        () -> IncrementalPlan.of(run, repositoryRoot, blockClone, snapshot));
                update(run.id, r -> {
                    r.changeTracking = plan.changeTracking();
                    r.changeTrackingReason = plan.reason();
                });
                CopyLog log = copyLog;
                CopyResult copied = work.phases().time("copy", () -> copy(run, view, partial, cancel, log, plan.baseline()));
                List<ManifestEntry> entries = new ArrayList<>();
                copied.entries().forEach(e -> entries.add(ManifestEntry.of(RepositoryLayout.FILES + "/", e)));
                entries.addAll(MetadataFiles.store(view.metadata(), partial.resolve(RepositoryLayout.METADATA)));
                Map<String, List<byte[]>> chunks = new LinkedHashMap<>();
                copied.chunkDigests().forEach((path, digests) -> chunks.put(RepositoryLayout.FILES + "/" + path, digests));
                ChunkIndex.write(partial, chunks);
                cancel.throwIfCancelled();
                String reason = copied.notes().isEmpty() ? plan.reason()
                        : (plan.reason() == null ? "" : plan.reason() + "; ") + String.join("; ", copied.notes());

                phase = "commit";
                Manifest manifest = new Manifest(Manifest.FORMAT, restorePointId, manifestVm(work, guest),
                        snapshot.instant(), mode, consistency.id(), work.writer().kind(),
                        io.stillpoint.copy.ContentDigest.ALGORITHM, snapshot.facts(), copied.bytesCopied(),
                        copied.filesCopied(), entries);
                byte[] manifestBytes = ManifestCodec.encode(manifest);
                long totalDowntime = downtimeNanos;
                work.phases().time("commit", () -> {
                    written.disown();
                    Durable.write(partial.resolve(RepositoryLayout.MANIFEST), manifestBytes);
                    Durable.rename(partial, finished);
                    commit(work, manifest, ManifestCodec.sha256(manifestBytes), copied, totalDowntime, plan, reason);
                    return null;
                });
                committed = true;
                phase = "release";
                work.phases().start("release");
                metrics.restorePointCreated(vm, manifest.snapshotAt());
            }
            work.phases().stop("release");
            succeeded(work, null);
        } catch (Throwable failure) {
            if (committed) {
                LOG.warnf(failure, "run %s: restore point %s is committed but releasing the snapshot failed", run.id,
                        restorePointId);
                work.phases().stop("release");
                succeeded(work, "restore point kept; releasing the snapshot failed: " + message(failure));
            } else {
                removeQuietly(repository, partialName);
                removeQuietly(repository, finishedName);
                boolean cancelled = failure instanceof CancellationException;
                String error = cancelled
                        ? "cancelled: " + failure.getMessage()
                        : describe(work, phase) + ": " + message(failure);
                LOG.errorf("run %s failed: %s", run.id, error);
                finish(run.id, work, cancelled ? RunStatus.CANCELLED : RunStatus.FAILED, error, downtimeNanos);
            }
        } finally {
            if (copyLog != null) {
                try {
                    copyLog.store(run.id);
                } catch (IOException | RuntimeException e) {
                    LOG.warnf(e, "run %s: the per-file copy log could not be stored", run.id);
                }
            }
            if (scratch != null) {
                try {
                    scratch.delete();
                } catch (IOException e) {
                    LOG.warnf(e, "run %s: its scratch folder %s could not be removed", run.id, scratch.path());
                }
            }
        }
    }

    private void checkHoldPossible(Work work, GuestInfo guest, HoldMode hold, boolean running) {
        if (!running) {
            return;
        }
        if (hold == HoldMode.FREEZE && !guest.canQuiesce()) {
            throw new SnapshotException("mode 'online' needs a guest that can quiesce itself, and '" + guest.name()
                    + "' cannot; use 'pause', 'save-state', 'stop' or 'auto'");
        }
        if (!work.host().capabilities().supports(hold)) {
            throw new SnapshotException("host '" + work.host().name() + "' cannot hold a guest in mode '"
                    + BackupMode.of(hold).id() + "'");
        }
    }

    private record Held(Snapshot snapshot, long downtimeNanos) {}

    /**
     * Holds the guest, takes the snapshot and resumes the guest, whatever happens in between. The hold
     * is recorded in the catalog before it starts, so that a crash in between leaves a trace that
     * {@link RunRecovery} follows to resume the guest.
     */
    private Held holdAndSnapshot(Work work, GuestInfo guest, HoldMode hold, boolean running, PreparedSnapshot prepared) {
        if (!running) {
            return new Held(work.phases().time("snapshot", prepared::create), 0);
        }
        UUID runId = work.run().id;
        update(runId, r -> {
            r.heldSince = Instant.now();
            r.holdMode = hold.name();
            r.priorState = guest.state().name();
            r.phase = "quiesce";
        });
        long heldAt = System.nanoTime();
        GuestHold guestHold;
        try {
            guestHold = work.phases().time("quiesce", () -> work.host().hold(guest.ref(), hold));
        } catch (RuntimeException holdFailed) {
            ensureRunning(work, guest);
            clearHold(runId);
            throw holdFailed;
        }
        Snapshot snapshot = null;
        RuntimeException failure = null;
        try (GuestWatchdog.Guard guard = watchdog.guard(guest.name(), guestHold)) {
            try {
                snapshot = work.phases().time("snapshot", prepared::create);
            } catch (RuntimeException e) {
                failure = e;
            }
            try {
                work.phases().time("resume", () -> {
                    guestHold.close();
                    return null;
                });
            } catch (RuntimeException resumeFailed) {
                // The snapshot is still good if the guest runs again; only a guest left held fails the run.
                LOG.warnf(resumeFailed, "resuming guest '%s' failed; starting it again", guest.name());
                if (!ensureRunning(work, guest)) {
                    failure = addTo(failure, resumeFailed);
                }
            }
            if (failure == null && guard.fired()) {
                failure = new SnapshotException("the guest was held longer than the maximum downtime of "
                        + watchdog.maxDowntime() + " and was resumed by the watchdog before the snapshot was taken");
            }
        }
        long downtime = System.nanoTime() - heldAt;
        clearHold(runId);
        metrics.downtime(downtime);
        if (failure != null) {
            if (snapshot != null) {
                try {
                    snapshot.close();
                } catch (RuntimeException releaseFailed) {
                    failure.addSuppressed(releaseFailed);
                }
            }
            throw failure;
        }
        return new Held(snapshot, downtime);
    }

    /** Last resort after a failed hold or resume: start the guest again if it is not running. */
    private boolean ensureRunning(Work work, GuestInfo guest) {
        try {
            if (work.host().guest(guest.ref()).state() != GuestState.RUNNING) {
                work.host().start(guest.ref());
            }
            return true;
        } catch (RuntimeException e) {
            LOG.errorf(e, "guest '%s' could not be resumed", guest.name());
            return false;
        }
    }

    /** Whether the repository can share blocks; probed now if no start or creation could tell yet. */
    private boolean canClone(BackupRepository repository) {
        if (repository.blockClone != null) {
            return repository.blockClone;
        }
        return probes.probe(repository.id).orElse(false);
    }

    /** @param baseline the previous point to share unchanged data with, or null for a full copy */
    private CopyResult copy(BackupRun run, SnapshotView view, Path partial, CancellationSignal cancel, CopyLog log,
            Baseline baseline) throws IOException {
        UUID runId = run.id;
        long limit = run.bandwidthLimit != null ? run.bandwidthLimit : config.copy().bandwidthLimit();
        TreeCopier copier = new TreeCopier(new CopyOptions(limit, true));
        CopyListener listener = new CopyListener() {
            @Override
            public void onProgress(CopyProgress p) {
                progress.update(runId, p);
            }

            @Override
            public void onEntry(Path source, Path target) {
                log.copied(source, target);
            }

            @Override
            public void onSkipped(SkippedEntry skipped) {
                log.skipped(skipped);
            }
        };
        Path files = partial.resolve(RepositoryLayout.FILES);
        CopyResult copied = copier.copy(view.root(), files, listener, cancel, baseline);
        for (Map.Entry<String, Path> graft : new TreeMap<>(view.grafts()).entrySet()) {
            String at = graft.getKey();
            copied = copied.graft(at, copier.copy(graft.getValue(), files.resolve(at), listener, cancel,
                    baseline == null ? null : baseline.under(at)));
        }
        return copied;
    }

    private void commit(Work work, Manifest manifest, String manifestSha256, CopyResult copied, long downtimeNanos,
            IncrementalPlan plan, String reason) {
        QuarkusTransaction.requiringNew().run(() -> {
            RestorePoint point = new RestorePoint();
            point.id = manifest.restorePointId();
            point.vmId = work.vm().id;
            point.runId = work.run().id;
            point.repositoryId = work.repository().id;
            point.createdAt = manifest.snapshotAt();
            point.catalogedAt = Instant.now();
            point.mode = manifest.mode();
            point.consistency = manifest.consistency();
            point.writer = manifest.writer();
            point.relativePath = RepositoryLayout.relative(work.vm().id, manifest.restorePointId());
            point.sizeBytes = manifest.totalBytes();
            point.fileCount = manifest.fileCount();
            point.manifestSha256 = manifestSha256;
            point.changeTracking = plan.changeTracking();
            point.bytesWritten = copied.bytesWritten();
            point.bytesShared = copied.bytesShared();
            point.basedOn = plan.basedOn();
            point.persist();

            BackupRun run = BackupRun.byId(work.run().id).orElseThrow();
            run.phase = "release";
            run.restorePointId = point.id;
            run.downtimeMillis = Duration.ofNanos(downtimeNanos).toMillis();
            run.bytesTotal = copied.bytesCopied();
            run.bytesCopied = copied.bytesCopied();
            run.filesTotal = copied.filesCopied();
            run.filesCopied = copied.filesCopied();
            run.bytesRead = copied.bytesRead();
            run.bytesWritten = copied.bytesWritten();
            run.bytesShared = copied.bytesShared();
            run.changeTracking = plan.changeTracking();
            run.changeTrackingReason = reason;
            run.partialPath = null;
            run.phaseMillis = work.phases().millis();
        });
    }

    /** The restore point is committed and the snapshot released (or failed to release, {@code warning}). */
    private void succeeded(Work work, String warning) {
        BackupRun done = QuarkusTransaction.requiringNew().call(() -> {
            BackupRun run = BackupRun.byId(work.run().id).orElseThrow();
            run.status = RunStatus.SUCCEEDED;
            run.phase = null;
            run.error = warning;
            run.finishedAt = Instant.now();
            run.phaseMillis = work.phases().millis();
            locks.release(run.vmId, run.id);
            if (warning != null) {
                alerts.raise(RunAlerts.of(AlertType.RUN_WARNING, run, "succeeded with a warning: " + warning));
            }
            return run;
        });
        metrics.succeeded(done, Duration.between(done.startedAt, done.finishedAt));
        usage.sample(done.repositoryId);
    }

    private void finish(UUID runId, Work work, RunStatus status, String error, Long downtimeNanos) {
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                BackupRun run = BackupRun.byId(runId).orElseThrow();
                run.status = status;
                run.error = error;
                run.finishedAt = Instant.now();
                run.partialPath = null;
                if (downtimeNanos != null) {
                    run.downtimeMillis = Duration.ofNanos(downtimeNanos).toMillis();
                }
                if (work != null) {
                    run.phaseMillis = work.phases().millis();
                }
                progress.of(runId).ifPresent(p -> {
                    run.bytesCopied = p.bytesDone();
                    run.bytesTotal = p.bytesTotal();
                    run.filesCopied = p.filesDone();
                    run.filesTotal = p.filesTotal();
                });
                locks.release(run.vmId, run.id);
                metrics.ended(run);
                if (status == RunStatus.FAILED) {
                    alerts.raise(RunAlerts.of(AlertType.RUN_FAILED, run, "failed: " + error));
                }
            });
        } catch (RuntimeException e) {
            LOG.errorf(e, "run %s could not be marked %s; recovery will do it at the next start", runId, status);
        }
    }

    private void setPhase(UUID runId, String phase, long downtimeNanos, PhaseClock phases) {
        update(runId, r -> {
            r.phase = phase;
            r.downtimeMillis = Duration.ofNanos(downtimeNanos).toMillis();
            r.phaseMillis = phases.millis();
        });
    }

    private void clearHold(UUID runId) {
        update(runId, r -> {
            r.heldSince = null;
            r.holdMode = null;
            r.priorState = null;
        });
    }

    private static void update(UUID runId, Consumer<BackupRun> change) {
        QuarkusTransaction.requiringNew().run(() -> change.accept(BackupRun.byId(runId).orElseThrow()));
    }

    private static ManifestVm manifestVm(Work work, GuestInfo guest) {
        return new ManifestVm(work.vm().id, guest.name(), guest.ref(), work.hostRow().name, work.hostRow().type,
                guest.guestOs(), guest.memoryBytes(), guest.canQuiesce());
    }

    private static String describe(Work work, String phase) {
        return phase + " of VM '" + work.vm().name + "' on host '" + work.hostRow().name + "' failed";
    }

    private static RuntimeException addTo(RuntimeException first, RuntimeException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    static String message(Throwable t) {
        String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
    }

    /** Removes what a run that failed before its commit wrote; the run's own names, in its repository only. */
    private static void removeQuietly(OwnedFolder repository, String relative) {
        if (repository == null) {
            return;
        }
        try {
            repository.deleteGenerated(relative);
            repository.deleteGeneratedIfEmpty(relative.substring(0, relative.indexOf('/')));
        } catch (IOException | RuntimeException e) {
            LOG.warnf(e, "could not remove %s from repository %s; the repository check will", relative, repository.path());
        }
    }

    /** Milliseconds spent in each phase, in the order the phases ran. */
    static final class PhaseClock {

        interface Work<T> {
            T run() throws Exception;
        }

        private final Map<String, Long> millis = new LinkedHashMap<>();
        private final Map<String, Long> started = new ConcurrentHashMap<>();

        <T> T time(String phase, Work<T> work) {
            long start = System.nanoTime();
            try {
                return work.run();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new PhaseException(e);
            } finally {
                synchronized (millis) {
                    millis.merge(phase, Duration.ofNanos(System.nanoTime() - start).toMillis(), Long::sum);
                }
            }
        }

        void start(String phase) {
            started.put(phase, System.nanoTime());
        }

        void stop(String phase) {
            Long start = started.remove(phase);
            if (start != null) {
                synchronized (millis) {
                    millis.put(phase, Duration.ofNanos(System.nanoTime() - start).toMillis());
                }
            }
        }

        Map<String, Long> millis() {
            synchronized (millis) {
                return new LinkedHashMap<>(millis);
            }
        }
    }

    /** Carries a checked exception of a phase; its message is the cause's. */
    static final class PhaseException extends RuntimeException {
        PhaseException(Exception cause) {
            super(cause.getMessage(), cause);
        }
    }
}
