package io.stillpoint.writer.simulated;

import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.HostException;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.simulated.Diversion;
import io.stillpoint.host.simulated.SimulatedHypervisor;
import io.stillpoint.writer.AbstractSnapshot;
import io.stillpoint.writer.PreparedSnapshot;
import io.stillpoint.writer.Snapshot;
import io.stillpoint.writer.SnapshotException;
import io.stillpoint.writer.SnapshotView;
import io.stillpoint.writer.SnapshotWriter;
import io.stillpoint.writer.WriterAvailability;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * Snapshots guests of a {@link SimulatedHypervisor} the way Hyper-V does with differencing disks: at
 * {@code create()} the guest's writes switch to an {@code .avhdx} beside each disk, and the guest's folder
 * as it is at that instant is hard-linked into {@code <root>/.snapshots/<snapshot id>/}. The base disks
 * are no longer written, and the guest's metadata files are only ever replaced by new files, so the links
 * stay at the snapshot instant while the guest runs on. Closing the snapshot removes the links and merges
 * the differencing disks back.
 */
public final class SimulatedSnapshotWriter implements SnapshotWriter {

    public static final String KIND = "simulated";
    public static final String FACT_SNAPSHOT_ID = "snapshot.id";
    /** Followed by a disk file name: the guest's last write to that disk before the snapshot instant. */
    public static final String FACT_SEQUENCE_PREFIX = "sequence.";

    private final AtomicReference<String> nextCreateFailure = new AtomicReference<>();

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public WriterAvailability availability() {
        return WriterAvailability.ready(Map.of("differencing", "avhdx overlay per disk, hard-linked view"));
    }

    @Override
    public boolean supportsHost(String hostKind) {
        return SimulatedHypervisor.KIND.equals(hostKind);
    }

    /** Makes the next {@code create()} fail with {@code reason} before it touches the guest. */
    public void failNextCreate(String reason) {
        nextCreateFailure.set(reason);
    }

    @Override
    public PreparedSnapshot prepare(Hypervisor host, GuestInfo guest, Path workDir) {
        SimulatedHypervisor simulated = simulated(host);
        try {
            simulated.guest(guest.ref());
        } catch (HostException e) {
            throw new SnapshotException("preparing snapshot of guest '" + guest.name() + "' on host '" + host.name()
                    + "' failed: " + e.getMessage(), e);
        }
        return new Prepared(simulated, guest);
    }

    /**
     * Merges differencing disks and deletes views left by a process that died. Run at start-up, before any
     * snapshot of this process exists: it releases every snapshot of the host.
     */
    @Override
    public void recover(Hypervisor host) {
        SimulatedHypervisor simulated = simulated(host);
        try {
            for (GuestInfo guest : simulated.guests()) {
                simulated.mergeAny(guest.ref());
            }
            Path views = simulated.root().resolve(SimulatedHypervisor.SNAPSHOTS_DIR);
            if (Files.isDirectory(views)) {
                try (DirectoryStream<Path> stale = Files.newDirectoryStream(views)) {
                    for (Path view : stale) {
                        deleteTree(view);
                    }
                }
            }
        } catch (IOException | HostException e) {
            throw new SnapshotException("recovering snapshots on host '" + host.name() + "' failed: " + e.getMessage(),
                    e);
        }
    }

    private static SimulatedHypervisor simulated(Hypervisor host) {
        return host.unwrap(SimulatedHypervisor.class).orElseThrow(() -> new SnapshotException(
                "the simulated writer only snapshots guests of a simulated host; host '" + host.name() + "' is "
                        + host.kind()));
    }

    private final class Prepared implements PreparedSnapshot {
        private final SimulatedHypervisor host;
        private final GuestInfo guest;
        private boolean used;

        Prepared(SimulatedHypervisor host, GuestInfo guest) {
            this.host = host;
            this.guest = guest;
        }

        @Override
        public synchronized Snapshot create() {
            if (used) {
                throw new IllegalStateException("snapshot of guest '" + guest.name() + "' already created or closed");
            }
            used = true;
            String injected = nextCreateFailure.getAndSet(null);
            if (injected != null) {
                throw new SnapshotException("snapshot of guest '" + guest.name() + "' failed: " + injected);
            }
            String id = UUID.randomUUID().toString().toUpperCase(Locale.ROOT);
            Path view = host.root().resolve(SimulatedHypervisor.SNAPSHOTS_DIR).resolve(id);
            try {
                Diversion diversion = host.divert(guest.ref(), id, folder -> linkTree(folder, view));
                Instant instant = Instant.now();
                Map<String, String> facts = new LinkedHashMap<>();
                facts.put(FACT_SNAPSHOT_ID, id);
                diversion.sequences().forEach((disk, seq) -> facts.put(FACT_SEQUENCE_PREFIX + disk, Long.toString(seq)));
                return new SimulatedSnapshot(host, guest, id, instant, view, facts);
            } catch (IOException | HostException e) {
                try {
                    deleteTree(view);
                } catch (IOException cleanup) {
                    e.addSuppressed(cleanup);
                }
                throw new SnapshotException("snapshot of guest '" + guest.name() + "' on host '" + host.name()
                        + "' failed: " + e.getMessage(), e);
            }
        }

        /** Nothing slow was prepared, so there is nothing to undo. */
        @Override
        public synchronized void close() {
            used = true;
        }
    }

    private static final class SimulatedSnapshot extends AbstractSnapshot {
        private final SimulatedHypervisor host;
        private final GuestInfo guest;
        private final String id;
        private boolean released;

        SimulatedSnapshot(SimulatedHypervisor host, GuestInfo guest, String id, Instant instant, Path view,
                Map<String, String> facts) {
            super(instant, new SnapshotView(view, Map.of()), facts);
            this.host = host;
            this.guest = guest;
            this.id = id;
        }

        /**
         * The view goes first: merging writes into the base disks the view links to. A failed release can
         * be retried; both steps are idempotent.
         */
        @Override
        public synchronized void close() {
            if (released) {
                return;
            }
            try {
                deleteTree(view().root());
                host.merge(guest.ref(), id);
            } catch (IOException | HostException e) {
                throw new SnapshotException("releasing snapshot " + id + " of guest '" + guest.name() + "' on host '"
                        + host.name() + "' failed: " + e.getMessage(), e);
            }
            released = true;
        }
    }

    /**
     * Hard-links every file of the guest's folder except differencing disks, keeping the tree layout, and
     * makes each symbolic link again with the same target: a link is part of the folder as it is, and it is
     * never followed (a link to a directory stays a link, its target is not copied into the view).
     */
    private static void linkTree(Path source, Path target) throws IOException {
        Files.createDirectories(target);
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(target.resolve(source.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path copy = target.resolve(source.relativize(file).toString());
                if (attrs.isSymbolicLink()) {
                    Files.createSymbolicLink(copy, Files.readSymbolicLink(file));
                } else if (attrs.isRegularFile()
                        && !file.getFileName().toString().endsWith(SimulatedHypervisor.DIFFERENCING_DISK_EXTENSION)) {
                    Files.createLink(copy, file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
