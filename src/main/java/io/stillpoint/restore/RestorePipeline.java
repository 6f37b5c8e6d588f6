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
import io.stillpoint.copy.CancellationSignal;
import io.stillpoint.copy.CopiedEntry;
import io.stillpoint.copy.CopyListener;
import io.stillpoint.copy.CopyOptions;
import io.stillpoint.copy.CopyProgress;
import io.stillpoint.copy.CopyResult;
import io.stillpoint.copy.EntryType;
import io.stillpoint.copy.TreeCopier;
import io.stillpoint.fs.Durable;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestState;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.inventory.HostRegistry;
import io.stillpoint.inventory.Inventory;
import io.stillpoint.repository.Manifest;
import io.stillpoint.repository.ManifestCodec;
import io.stillpoint.repository.ManifestEntry;
import io.stillpoint.repository.RepositoryLayout;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
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
            Path target = Path.of(work.restore().targetPath);
            staging = Staging.beside(target, restoreId);
            Staging planned = staging;
            update(restoreId, r -> r.stagingPath = planned.staging().toString());

            Path pointDir = new RepositoryLayout(work.repository().root()).resolve(work.point().relativePath);
            Manifest manifest = ManifestCodec.read(pointDir.resolve(RepositoryLayout.MANIFEST));
            Durable.createDirectories(staging.staging().getParent());
            CopyResult copied = copy(restoreId, pointDir.resolve(RepositoryLayout.FILES), staging.staging(), cancel);
            verify(manifest, copied);
            cancel.throwIfCancelled();

            UUID newVmId = null;
            switch (RestoreTarget.parse(work.restore().target).orElseThrow()) {
                case ORIGINAL -> swapIntoGuest(work, staging);
                case PATH -> Durable.rename(staging.staging(), target);
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
                removeQuietly(staging.staging());
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
            cancellations.remove(restoreId);
            progress.finish(restoreId);
        }
    }

    /**
     * Puts the staged files in place of the guest's folder. The old folder is moved aside first and
     * removed only once the new one is in place, so a crash between the two renames leaves both on disk
     * for {@link RestoreRecovery} to put back.
     */
    private void swapIntoGuest(Work work, Staging staging) throws IOException {
        Hypervisor host = hosts.of(work.hostRow());
        if (host.guest(work.vm().ref).state() != GuestState.OFF) {
            if (!work.restore().stopVm) {
                throw new IllegalStateException("VM '" + work.vm().name + "' was started while the restore ran");
            }
            host.stop(work.vm().ref);
        }
        Durable.rename(staging.target(), staging.aside());
        Durable.rename(staging.staging(), staging.target());
        host.reload(work.vm().ref);
        if (work.restore().keepPrevious) {
            Durable.rename(staging.aside(), staging.kept(Instant.now()));
        } else {
            Durable.deleteTree(staging.aside());
        }
        if (work.restore().startAfter) {
            host.start(work.vm().ref);
        }
    }

    /** Moves the staged copy to where the host keeps the new guest and registers it with a new identity. */
    private UUID createGuest(Work work, Staging staging) throws IOException {
        Host hostRow = QuarkusTransaction.requiringNew().call(() -> Host.byId(work.restore().hostId).orElseThrow());
        Hypervisor host = hosts.of(hostRow);
        Durable.rename(staging.staging(), staging.target());
        GuestInfo guest;
        try {
            guest = host.importGuest(staging.target(), work.restore().newVmName);
        } catch (RuntimeException e) {
            Durable.deleteTree(staging.target());
            throw e;
        }
        Vm vm = inventory.catalog(hostRow, guest);
        if (work.restore().startAfter) {
            host.start(guest.ref());
        }
        return vm.id;
    }

    private CopyResult copy(UUID restoreId, Path from, Path to, CancellationSignal cancel) throws IOException {
        TreeCopier copier = new TreeCopier(new CopyOptions(config.copy().bandwidthLimit(), true));
        return copier.copy(from, to, new CopyListener() {
            @Override
            public void onProgress(CopyProgress p) {
                progress.update(restoreId, p);
            }
        }, cancel);
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

    private static void removeQuietly(Path path) {
        try {
            if (Files.exists(path)) {
                Durable.deleteTree(path);
            }
        } catch (IOException e) {
            LOG.warnf(e, "could not remove %s", path);
        }
    }
}
