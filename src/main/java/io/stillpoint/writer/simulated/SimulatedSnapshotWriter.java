package io.stillpoint.writer.simulated;

import io.stillpoint.fs.NoFollowDelete;
import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.HostException;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.simulated.Diversion;
import io.stillpoint.host.simulated.SimulatedHypervisor;
import io.stillpoint.host.simulated.WriteRecord;
import io.stillpoint.writer.AbstractSnapshot;
import io.stillpoint.writer.ChangeTracking;
import io.stillpoint.writer.ChangedRanges;
import io.stillpoint.writer.PreparedSnapshot;
import io.stillpoint.writer.Snapshot;
import io.stillpoint.writer.SnapshotException;
import io.stillpoint.writer.SnapshotView;
import io.stillpoint.writer.SnapshotWriter;
import io.stillpoint.writer.WriterAvailability;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Snapshots guests of a {@link SimulatedHypervisor} the way Hyper-V does with differencing disks: at
 * {@code create()} the guest's writes switch to an {@code .avhdx} beside each disk, and the guest's folder
 * as it is at that instant is hard-linked into {@code <root>/.snapshots/<snapshot id>/view/}, beside the
 * marker that makes {@code <snapshot id>} a folder of Stillpoint's (named by the id in its canonical,
 * lower-case form). The base disks are no longer written, and the guest's metadata files are only ever
 * replaced by new files, so the links stay at the snapshot instant while the guest runs on. Closing the
 * snapshot removes the links and merges the differencing disks back.
 */
public final class SimulatedSnapshotWriter implements SnapshotWriter {

    public static final String KIND = "simulated";
    public static final String FACT_SNAPSHOT_ID = "snapshot.id";
    /** Followed by a disk file name: the guest's last write to that disk before the snapshot instant. */
    public static final String FACT_SEQUENCE_PREFIX = "sequence.";
    /**
     * The tracking generation the snapshot started: it records the guest's writes after this snapshot, so a
     * later snapshot that ends it can say what changed since this one.
     */
    public static final String FACT_TRACKING_GENERATION = "tracking.generation";
    /** How {@link Snapshot#changesSince} tracked the changes. */
    public static final String TRACKING_KIND = "differencing";
    static final String OLDER = "previous point is older than the last snapshot of this guest (a snapshot for"
            + " another repository or a failed run came in between)";
    /** What a snapshot folder's marker says it is for. */
    static final String PURPOSE = "simulated-snapshot";
    /** The view inside a snapshot's folder, apart from the marker, which is no file of the guest. */
    static final String VIEW = "view";

    private static final System.Logger LOG = System.getLogger(SimulatedSnapshotWriter.class.getName());

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
     * snapshot of this process exists: it releases every snapshot of the host. Only snapshot folders that
     * carry Stillpoint's marker go; anything else in the views folder is named in the log and left.
     */
    @Override
    public void recover(Hypervisor host) {
        SimulatedHypervisor simulated = simulated(host);
        try {
            for (GuestInfo guest : simulated.guests()) {
                simulated.mergeAny(guest.ref());
            }
            Path views = simulated.root().resolve(SimulatedHypervisor.SNAPSHOTS_DIR);
            if (Files.isDirectory(views, LinkOption.NOFOLLOW_LINKS)) {
                for (OwnedFolder.Entry entry : OwnedFolder.survey(views, PURPOSE)) {
                    if (entry.owned().isPresent()) {
                        entry.owned().get().delete();
                    } else {
                        LOG.log(System.Logger.Level.WARNING, "simulated host '" + host.name() + "': left "
                                + entry.path() + " as it is: it " + entry.why()
                                + ", and Stillpoint deletes only what it provably made");
                    }
                }
            } else if (Files.exists(views, LinkOption.NOFOLLOW_LINKS)) {
                LOG.log(System.Logger.Level.WARNING, "simulated host '" + host.name() + "': left " + views
                        + " as it is: it is a link or not a folder, so not Stillpoint's");
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
            UUID snapshotId = UUID.randomUUID();
            String id = snapshotId.toString().toUpperCase(Locale.ROOT);
            OwnedFolder folder = null;
            try {
                Path views = host.root().resolve(SimulatedHypervisor.SNAPSHOTS_DIR);
                Files.createDirectories(views);
                OwnedFolder made = OwnedFolder.createNamedById(views, PURPOSE, snapshotId);
                folder = made;
                Path view = made.path().resolve(VIEW);
                Diversion diversion = host.divert(guest.ref(), id, guestFolder -> linkTree(guestFolder, view));
                Instant instant = Instant.now();
                Map<String, String> facts = new LinkedHashMap<>();
                facts.put(FACT_SNAPSHOT_ID, id);
                diversion.sequences().forEach((disk, seq) -> facts.put(FACT_SEQUENCE_PREFIX + disk, Long.toString(seq)));
                facts.put(FACT_TRACKING_GENERATION, diversion.writes().generation());
                return new SimulatedSnapshot(host, guest, id, made, instant, view, facts, diversion.writes());
            } catch (IOException | RuntimeException e) {
                if (folder != null) {
                    try {
                        folder.delete();
                    } catch (IOException cleanup) {
                        e.addSuppressed(cleanup);
                    }
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
        private final OwnedFolder folder;
        private final WriteRecord writes;
        private boolean released;

        SimulatedSnapshot(SimulatedHypervisor host, GuestInfo guest, String id, OwnedFolder folder, Instant instant,
                Path view, Map<String, String> facts, WriteRecord writes) {
            super(instant, new SnapshotView(view, Map.of()), facts);
            this.host = host;
            this.guest = guest;
            this.id = id;
            this.folder = folder;
            this.writes = writes;
        }

        /**
         * Tracked only when {@code previousFacts} name the generation this snapshot ended, and that
         * generation saw every write: then each disk's written blocks are all that differs from the earlier
         * snapshot's copy. The guest's other files are small and replaced whole, so they are compared.
         */
        @Override
        public ChangeTracking changesSince(Map<String, String> previousFacts) {
            if (writes.untrackedReason() != null) {
                return new ChangeTracking.Untracked(writes.untrackedReason());
            }
            String previous = previousFacts.get(FACT_TRACKING_GENERATION);
            if (previous == null) {
                return new ChangeTracking.Untracked("the previous point records no tracking generation");
            }
            if (!previous.equals(writes.ended())) {
                return new ChangeTracking.Untracked(OLDER);
            }
            Map<String, ChangedRanges> files = new LinkedHashMap<>();
            try {
                for (Path disk : guest.disks()) {
                    String name = disk.getFileName().toString();
                    String relative = guest.directory().relativize(disk).toString().replace('\\', '/');
                    List<ChangedRanges.Range> ranges = writes.written().getOrDefault(name, List.of()).stream()
                            .map(extent -> new ChangedRanges.Range(extent.offset(), extent.length()))
                            .toList();
                    files.put(relative, new ChangedRanges(ranges, Files.size(view().root().resolve(relative))));
                }
            } catch (IOException e) {
                return new ChangeTracking.Untracked("the view's disks could not be measured: " + e.getMessage());
            }
            return new ChangeTracking.Tracked(TRACKING_KIND, files);
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
                NoFollowDelete.entry(folder.path(), VIEW);
                host.merge(guest.ref(), id);
                folder.delete();
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
}
