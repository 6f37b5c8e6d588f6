package io.stillpoint.restore;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.backup.RunProgress;
import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.catalog.Host;
import io.stillpoint.catalog.Restore;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.catalog.RunStatus;
import io.stillpoint.catalog.Vm;
import io.stillpoint.catalog.VmLock;
import io.stillpoint.config.StillpointConfig;
import io.stillpoint.copy.Baseline;
import io.stillpoint.copy.CancellationSignal;
import io.stillpoint.copy.CopiedEntry;
import io.stillpoint.copy.CopyListener;
import io.stillpoint.copy.CopyOptions;
import io.stillpoint.copy.CopyProgress;
import io.stillpoint.copy.CopyResult;
import io.stillpoint.copy.EntryType;
import io.stillpoint.copy.Sharing;
import io.stillpoint.copy.SkippedEntry;
import io.stillpoint.copy.TreeCopier;
import io.stillpoint.fs.Durable;
import io.stillpoint.fs.NotOwnedException;
import io.stillpoint.fs.SafePaths;
import io.stillpoint.fs.UnsafePathException;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestState;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.inventory.HostRegistry;
import io.stillpoint.inventory.Inventory;
import io.stillpoint.repository.ChunkIndex;
import io.stillpoint.repository.Manifest;
import io.stillpoint.repository.ManifestCodec;
import io.stillpoint.repository.ManifestEntry;
import io.stillpoint.repository.RepositoryLayout;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Executes a restore: copies a restore point's files into a staging directory beside the target,
 * checking every file against the manifest as it goes, then swaps the staging directory in. The target
 * is never half-written: until the swap it is untouched, after it it is complete.
 */
@ApplicationScoped
public class RestorePipeline {

    private static final Logger LOG = Logger.getLogger(RestorePipeline.class);

    private final HostRegistry hosts;
    private final Inventory inventory;
    private final RunProgress progress;
    private final StillpointConfig config;
    private final Map<UUID, CancellationSignal> cancellations = new ConcurrentHashMap<>();

    RestorePipeline(HostRegistry hosts, Inventory inventory, RunProgress progress, StillpointConfig config) {
        this.hosts = hosts;
        this.inventory = inventory;
        this.progress = progress;
        this.config = config;
    }

    public boolean cancel(UUID restoreId, String why) {
        CancellationSignal signal = cancellations.get(restoreId);
        if (signal == null) {
            return false;
        }
        signal.cancel(why);
        return true;
    }

    private record Work(Restore restore, RestorePoint point, Vm vm, Host hostRow, BackupRepository repository) {}

    public void execute(UUID restoreId) {
        CancellationSignal cancel = new CancellationSignal();
        cancellations.put(restoreId, cancel);
        Staging staging = null;
        try {
            Work work = QuarkusTransaction.requiringNew().call(() -> {
                Restore restore = Restore.byId(restoreId).orElseThrow();
                restore.status = RunStatus.RUNNING;
                restore.startedAt = Instant.now();
                RestorePoint point = RestorePoint.byId(restore.restorePointId).orElseThrow(
                        () -> new IllegalStateException("the restore point was deleted before the restore started"));
                Vm vm = Vm.byId(point.vmId).orElseThrow();
                Host host = Host.byId(vm.hostId).orElseThrow();
                return new Work(restore, point, vm, host, BackupRepository.byId(point.repositoryId).orElseThrow());
            });
            RestoreTarget kind = RestoreTarget.parse(work.restore().target).orElseThrow();
            Path pointDir = new RepositoryLayout(work.repository().root()).resolve(work.point().relativePath);
            Manifest manifest = ManifestCodec.read(pointDir.resolve(RepositoryLayout.MANIFEST));

            staging = stagingFor(kind, Path.of(work.restore().targetPath), restoreId);
            Staging planned = staging;
            update(restoreId, r -> r.stagingPath = planned.staging().toString());
            Path stagingFolder = staging.createStagingFolder();
            Baseline clones = Boolean.TRUE.equals(work.repository().blockClone) ? cloneSource(pointDir, manifest) : null;
            CopyResult copied = copy(restoreId, pointDir.resolve(RepositoryLayout.FILES), stagingFolder, cancel, clones);
            verify(manifest, copied);
            cancel.throwIfCancelled();

            UUID newVmId = null;
            switch (kind) {
                case ORIGINAL -> swapIntoGuest(work, staging);
                case PATH -> {
                    staging.placeAsTarget(true);
                    staging.unmarkTarget();
                }
                case NEW_VM -> newVmId = createGuest(work, staging);
            }
            UUID createdVm = newVmId;
            QuarkusTransaction.requiringNew().run(() -> {
                Restore r = Restore.byId(restoreId).orElseThrow();
                r.newVmId = createdVm;
                r.status = RunStatus.SUCCEEDED;
                r.finishedAt = Instant.now();
                r.bytesTotal = copied.bytesCopied();
                r.bytesCopied = copied.bytesCopied();
                r.filesCopied = copied.filesCopied();
                r.stagingPath = null;
                VmLock.release(r.vmId, r.id);
            });
        } catch (Throwable failure) {
            if (staging != null) {
                discardQuietly(staging);
            }
            boolean cancelled = failure instanceof java.util.concurrent.CancellationException;
            String error = (cancelled ? "cancelled: " : "restore failed: ") + message(failure);
            LOG.errorf("restore %s: %s", restoreId, error);
            try {
                QuarkusTransaction.requiringNew().run(() -> {
                    Restore r = Restore.byId(restoreId).orElseThrow();
                    r.status = cancelled ? RunStatus.CANCELLED : RunStatus.FAILED;
                    r.error = error;
                    r.finishedAt = Instant.now();
                    r.stagingPath = null;
                    VmLock.release(r.vmId, r.id);
                });
            } catch (RuntimeException e) {
                LOG.errorf(e, "restore %s could not be marked failed; recovery will do it at the next start", restoreId);
            }
        } finally {
            closeQuietly(staging);
            cancellations.remove(restoreId);
            progress.finish(restoreId);
        }
    }

    /**
     * Where the restore stages its copy. A path was confined to the restore roots when the request came; it
     * is confined again now, since the restore may have waited in the queue while someone planted a link,
     * and its folders are then reached from the root without following any link.
     */
    private Staging stagingFor(RestoreTarget kind, Path target, UUID restoreId) throws IOException {
        if (kind != RestoreTarget.PATH) {
            return Staging.beside(target, restoreId);
        }
        List<Path> roots = config.restore().roots();
        Path root;
        try {
            Path confined = SafePaths.confine(target.toString(), roots);
            if (!confined.equals(target)) {
                throw new UnsafePathException("leads to " + confined + " now, through a link made after the request");
            }
            root = SafePaths.rootOf(confined, roots);
        } catch (UnsafePathException e) {
            throw new IOException("the restore path " + target + " " + e.getMessage(), e);
        }
        Durable.createDirectories(root);
        return Staging.within(root, target, restoreId);
    }

    /**
     * Puts the staged files in place of the guest's folder, which keeps its own owner, group, mode and ACLs.
     * The old folder is set aside first and deleted only once the new one is in place, so a crash between
     * the two renames leaves both on disk for {@link RestoreRecovery} to put back.
     */
    private void swapIntoGuest(Work work, Staging staging) throws IOException {
        Hypervisor host = hosts.of(work.hostRow());
        if (host.guest(work.vm().ref).state() != GuestState.OFF) {
            if (!work.restore().stopVm) {
                throw new IllegalStateException("VM '" + work.vm().name + "' was started while the restore ran");
            }
            host.stop(work.vm().ref);
        }
        if (host.restoresInPlaceItself()) {
            host.restoreInPlace(work.vm().ref, staging.staging(), work.restore().id, work.restore().keepPrevious);
            staging.discard();
            host.reload(work.vm().ref);
            if (work.restore().startAfter) {
                host.start(work.vm().ref);
            }
            return;
        }
        for (SkippedEntry lost : staging.swapIn()) {
            LOG.warnf("restore %s: the folder of VM '%s' could not keep all it had: %s", work.restore().id,
                    work.vm().name, lost.reason());
        }
        staging.unmarkTarget();
        host.reload(work.vm().ref);
        if (work.restore().keepPrevious) {
            staging.keepAside(Instant.now());
        } else {
            try {
                staging.deleteAside();
            } catch (IOException | NotOwnedException e) {
                LOG.warnf("restore %s of VM '%s' succeeded, but the replaced folder %s was not deleted: %s",
                        work.restore().id, work.vm().name, staging.aside(), e.getMessage());
            }
        }
        if (work.restore().startAfter) {
            host.start(work.vm().ref);
        }
    }

    /** Moves the staged copy to where the host keeps the new guest and registers it with a new identity. */
    private UUID createGuest(Work work, Staging staging) throws IOException {
        Host hostRow = QuarkusTransaction.requiringNew().call(() -> Host.byId(work.restore().hostId).orElseThrow());
        Hypervisor host = hosts.of(hostRow);
        staging.placeAsTarget(false);
        GuestInfo guest;
        try {
            guest = host.importGuest(staging.target(), work.restore().newVmName);
        } catch (RuntimeException e) {
            try {
                staging.discardPlacedTarget();
            } catch (IOException | NotOwnedException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        staging.unmarkTarget();
        Vm vm = inventory.catalog(hostRow, guest);
        if (work.restore().startAfter) {
            host.start(guest.ref());
        }
        return vm.id;
    }

    /**
     * @param clones the point itself as a baseline: where the target lies on the repository's file system each
     *     file starts as a reflink clone of the point's copy, and since every chunk is still read and checked
     *     against its digest, only a chunk that does not match would be written; null copies every byte
     */
    private CopyResult copy(UUID restoreId, Path from, Path to, CancellationSignal cancel, Baseline clones)
            throws IOException {
        TreeCopier copier = new TreeCopier(new CopyOptions(config.copy().bandwidthLimit(), true));
        return copier.copy(from, to, new CopyListener() {
            @Override
            public void onProgress(CopyProgress p) {
                progress.update(restoreId, p);
            }
        }, cancel, clones);
    }

    /**
     * Never a hard link (a restored VM writes to its files, and they would be the point's); a clone is a new
     * file that shares blocks until written. Files whose chunk digests do not check out are copied.
     */
    private static Baseline cloneSource(Path pointDir, Manifest manifest) throws IOException {
        Baseline point = new Baseline(pointDir, Sharing.CLONE, ChunkIndex.read(pointDir, manifest), null)
                .under(RepositoryLayout.FILES);
        return point.files().isEmpty() ? null : point;
    }

    /** Every file of the manifest must have come back with its digest; anything else fails the restore. */
    static void verify(Manifest manifest, CopyResult copied) throws IOException {
        String prefix = RepositoryLayout.FILES + "/";
        Map<String, String> expected = new HashMap<>();
        for (ManifestEntry e : manifest.entries()) {
            if (e.type() == EntryType.FILE && e.path().startsWith(prefix)) {
                expected.put(e.path().substring(prefix.length()), e.sha256());
            }
        }
        List<String> mismatched = copied.entries().stream()
                .filter(e -> e.type() == EntryType.FILE)
                .filter(e -> !e.sha256().equals(expected.remove(e.path())))
                .map(CopiedEntry::path)
                .collect(Collectors.toList());
        mismatched.addAll(expected.keySet());
        if (!mismatched.isEmpty()) {
            throw new IOException("files do not match the manifest: " + String.join(", ", mismatched));
        }
    }

    private static void update(UUID restoreId, Consumer<Restore> change) {
        QuarkusTransaction.requiringNew().run(() -> change.accept(Restore.byId(restoreId).orElseThrow()));
    }

    private static String message(Throwable t) {
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private static void discardQuietly(Staging staging) {
        try {
            staging.discard();
        } catch (IOException | NotOwnedException e) {
            LOG.warnf("the staging folder %s was left: %s", staging.staging(), e.getMessage());
        }
    }

    private static void closeQuietly(Staging staging) {
        if (staging == null) {
            return;
        }
        try {
            staging.close();
        } catch (IOException e) {
            LOG.debugf(e, "closing the folder of %s", staging.target());
        }
    }
}
