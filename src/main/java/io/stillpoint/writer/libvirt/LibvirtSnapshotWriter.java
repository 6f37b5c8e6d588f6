package io.stillpoint.writer.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.fs.UntrustedExecutableException;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestNotFoundException;
import io.stillpoint.host.GuestState;
import io.stillpoint.host.HostException;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.libvirt.LibvirtBlocks;
import io.stillpoint.host.libvirt.LibvirtHypervisor;
import io.stillpoint.writer.AbstractSnapshot;
import io.stillpoint.writer.ChangeTracking;
import io.stillpoint.writer.ChangedRanges;
import io.stillpoint.writer.PreparedSnapshot;
import io.stillpoint.writer.Snapshot;
import io.stillpoint.writer.SnapshotException;
import io.stillpoint.writer.SnapshotFolders;
import io.stillpoint.writer.SnapshotView;
import io.stillpoint.writer.SnapshotWriter;
import io.stillpoint.writer.WriterAvailability;
import io.stillpoint.writer.qemu.Processes;
import io.stillpoint.writer.qemu.StoredBitmaps;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * Point-in-time views of libvirt domains through external disk-only snapshots, with libvirt's API only (no
 * QEMU monitor passthrough, which libvirt marks as tainting the domain).
 *
 * <p>{@code prepare}, before the guest is held, makes a snapshot folder {@code
 * .stillpoint-snapshots/<snapshot id>/} with Stillpoint's marker beside each disk's folder, a qcow2 overlay
 * {@code <target>.overlay.qcow2} in it for every disk (backed by the disk, made with {@code qemu-img}), and
 * the checkpoint {@code stillpoint-<snapshot id>}: a persistent bitmap of that name on every qcow2 disk.
 * {@code create()}, while the guest is held, is one {@code virDomainSnapshotCreateXML} (disk-only, atomic,
 * no metadata, reusing those overlays) that puts the overlays on top of all disks at once. The disks are
 * then frozen; hard links to them, {@code <target>/<file name>}, are the view, with the domain's
 * definition as {@code domain.xml}. Release commits each overlay back (an active block commit and a pivot)
 * and deletes the folders.
 *
 * <p>Changes: libvirt keeps every checkpoint's bitmap recording, copies them into the overlays at the
 * snapshot and merges them back at the commit; and QEMU stores a disk's bitmaps in its file when the
 * snapshot makes it a read-only backing file. So once the snapshot is on, the bitmap of the previous
 * point's checkpoint, stored in the frozen disk, holds every write since that checkpoint began (just before
 * the previous snapshot) up to this snapshot; {@link StoredBitmaps} reads it from the file. Older
 * checkpoints of Stillpoint's go at release: each domain keeps the one its next incremental needs. The
 * admin's own checkpoints and snapshots are never touched.
 */
public final class LibvirtSnapshotWriter implements SnapshotWriter {

    public static final String KIND = "libvirt";
    /** Followed by a snapshot's UUID: the checkpoint that snapshot began. */
    public static final String CHECKPOINT_PREFIX = "stillpoint-";
    /** The checkpoint the snapshot began, whose bitmap the next point reads; absent when none was. */
    public static final String FACT_CHECKPOINT = "checkpoint";
    public static final String FACT_SNAPSHOT_ID = "snapshot.id";
    public static final String TRACKING_KIND = "bitmap";
    public static final String VIEWS_DIR = ".stillpoint-snapshots";
    /** The domain's persistent definition in the view's root, and so in the restore point. */
    public static final String DOMAIN_XML = LibvirtHypervisor.DOMAIN_XML;
    public static final String SAVED_STATE = LibvirtHypervisor.SAVED_STATE;
    static final String PURPOSE = "libvirt-snapshot";
    static final String VIEW = "view";
    private static final String OVERLAY_SUFFIX = ".overlay.qcow2";
    private static final Duration COMMIT = Duration.ofHours(1);
    /** How long a release retries while libvirt is unreachable, and how often. */
    private static final Duration RELEASE_RETRIES = Duration.ofSeconds(60);
    private static final Duration RELEASE_RETRY_INTERVAL = Duration.ofMillis(500);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final System.Logger LOG = System.getLogger(LibvirtSnapshotWriter.class.getName());

    private final TrustedExecutables qemuImg;
    private final StoredBitmaps bitmaps;

    /**
     * @param qemuImg {@code qemu-img}, and {@code qemuNbd}, as the server's configuration names them; vetted
     *     each time they are about to run
     */
    public LibvirtSnapshotWriter(TrustedExecutables qemuImg, TrustedExecutables qemuNbd) {
        this.qemuImg = qemuImg;
        this.bitmaps = new StoredBitmaps(qemuImg, qemuNbd);
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public WriterAvailability availability() {
        try {
            String version = Processes.run(List.of(qemuImg(), "--version"), 10).lines().findFirst().orElse("");
            return WriterAvailability.ready(Map.of("qemu-img", version, "snapshot",
                    "external disk-only, atomic, on overlays made beforehand", "bitmap",
                    "libvirt checkpoints " + CHECKPOINT_PREFIX + "<snapshot uuid>"));
        } catch (IOException e) {
            return WriterAvailability.unavailable("qemu-img cannot run: " + e.getMessage(), Map.of());
        }
    }

    /**
     * The writer makes overlays, links and reads bitmaps on the disk files themselves, so it serves a host
     * whose disks are this server's files: the local libvirtd.
     */
    @Override
    public WriterAvailability availabilityFor(Hypervisor host) {
        Optional<LibvirtHypervisor> libvirt = host.unwrap(LibvirtHypervisor.class);
        if (libvirt.isPresent() && !libvirt.get().isLocal()) {
            return WriterAvailability.unavailable("host '" + host.name() + "' is a remote libvirtd; the libvirt writer"
                    + " works on the disk files themselves, so it backs up the domains of this machine's libvirtd"
                    + " (run Stillpoint on that host, or add it with qemu:///system there)", Map.of());
        }
        return availability();
    }

    @Override
    public boolean supportsHost(String hostKind) {
        return LibvirtHypervisor.KIND.equals(hostKind);
    }

    @Override
    public PreparedSnapshot prepare(Hypervisor host, GuestInfo guest, Path workDir) {
        LibvirtHypervisor libvirt = libvirt(host);
        LibvirtBlocks blocks = libvirt.blocks();
        String uuid = guest.ref();
        UUID snapshotId = UUID.randomUUID();
        Map<Path, OwnedFolder> folders = new LinkedHashMap<>();
        try {
            if (guest.backupBlockedReason() != null) {
                throw new SnapshotException("domain '" + guest.name() + "' cannot be snapshotted: "
                        + guest.backupBlockedReason());
            }
            List<LibvirtBlocks.Disk> disks = blocks.disks(uuid);
            // Read before the snapshot, which points a persistent definition's disks at the overlays.
            String definition = blocks.inactiveXml(uuid);
            if (disks.isEmpty()) {
                throw new SnapshotException("domain '" + guest.name() + "' has no disk to back up");
            }
            for (LibvirtBlocks.Disk disk : disks) {
                if (isOverlay(disk.file())) {
                    throw new SnapshotException("disk " + disk.target() + " of domain '" + guest.name()
                            + "' still writes to " + disk.file() + " of an earlier snapshot; release or recover it first");
                }
            }
            // The view's root (the definition, a saved state) lies in the host's own folder, not among the images.
            folders.put(libvirt.root(), newSnapshotFolder(Files.createDirectories(libvirt.root()), snapshotId));
            Map<String, Path> overlays = new LinkedHashMap<>();
            for (LibvirtBlocks.Disk disk : disks) {
                OwnedFolder folder = folders.get(disk.file().getParent());
                if (folder == null) {
                    folder = newSnapshotFolder(disk.file().getParent(), snapshotId);
                    folders.put(disk.file().getParent(), folder);
                }
                Path overlay = folder.path().resolve(disk.target() + OVERLAY_SUFFIX);
                // -u: the domain holds the disk's lock, and the size is read without it.
                Processes.run(List.of(qemuImg(), "create", "-q", "-f", "qcow2", "-u", "-F", disk.format(), "-b",
                        disk.file().toString(), overlay.toString(), Long.toString(virtualSize(disk.file()))), 60);
                overlays.put(disk.target(), overlay);
            }
            // The view is made now, outside the hold: a hard link is to the disk's inode, which the snapshot
            // freezes, so the link made before it shows the disk as it is at the snapshot.
            Path root = Files.createDirectory(folders.get(libvirt.root()).path().resolve(VIEW));
            Files.writeString(root.resolve(DOMAIN_XML), definition, StandardCharsets.UTF_8);
            Map<String, Path> grafts = new LinkedHashMap<>();
            for (LibvirtBlocks.Disk disk : disks) {
                Path at = Files.createDirectory(folders.get(disk.file().getParent()).path().resolve(disk.target()));
                Files.createLink(at.resolve(disk.file().getFileName().toString()), disk.file());
                grafts.put(disk.target(), at);
            }
            List<String> tracked = disks.stream().filter(d -> d.format().equals("qcow2"))
                    .map(LibvirtBlocks.Disk::target).toList();
            List<String> untracked = disks.stream().filter(d -> !d.format().equals("qcow2"))
                    .map(LibvirtBlocks.Disk::target).toList();
            String checkpoint = CHECKPOINT_PREFIX + snapshotId;
            String checkpointFailure = null;
            if (tracked.isEmpty()) {
                checkpointFailure = "persistent bitmaps need qcow2, and every disk is raw";
            } else {
                try {
                    // Before the hold: writes until the snapshot land in this bitmap and the previous one, so
                    // the next point reads them once more; none falls between the two.
                    blocks.createCheckpoint(uuid, checkpoint, tracked, untracked);
                } catch (HostException refused) {
                    checkpointFailure = "creating checkpoint " + checkpoint + " failed: " + refused.getMessage();
                }
            }
            return new Prepared(libvirt, guest, snapshotId, disks, new SnapshotView(root, Map.of(), grafts), folders,
                    overlays, checkpointFailure == null ? checkpoint : null, checkpointFailure, workDir);
        } catch (IOException | RuntimeException e) {
            SnapshotException failure = e instanceof SnapshotException snapshot ? snapshot : new SnapshotException(
                    "preparing snapshot of domain '" + guest.name() + "' on host '" + host.name() + "' failed: "
                            + e.getMessage(), e);
            deleteFolders(folders.values(), failure);
            throw failure;
        }
    }

    /**
     * Commits what a dead process left on top of any domain's disks (overlays in snapshot folders that
     * carry Stillpoint's marker), points the domains' definitions back at their disks, deletes those folders
     * and the host's own ones, and drops the checkpoints those dead snapshots began. Run at start-up, before
     * any snapshot, with no run of the host's going on.
     *
     * <p>A dead snapshot's checkpoint goes even when its point was kept (the process died between the
     * point's commit and the release): that costs the next point one compare, whereas a checkpoint no point
     * records would stay forever.
     */
    @Override
    public void recover(Hypervisor host) {
        LibvirtHypervisor libvirt = libvirt(host);
        List<String> failures = new ArrayList<>();
        Set<UUID> dead = new HashSet<>();
        List<GuestInfo> recovered = new ArrayList<>();
        for (GuestInfo guest : libvirt.guests()) {
            try {
                dead.addAll(recover(libvirt, guest));
                recovered.add(guest);
            } catch (GuestNotFoundException undefinedMeanwhile) {
                // nothing of a domain that is gone can be on top of anything
            } catch (IOException | RuntimeException e) {
                failures.add("domain '" + guest.name() + "': " + e.getMessage());
            }
        }
        try {
            if (Files.isDirectory(libvirt.root(), LinkOption.NOFOLLOW_LINKS)) {
                List<OwnedFolder> roots = snapshotFolders(libvirt.root());
                roots.forEach(folder -> dead.add(folder.ownership().id()));
                SnapshotException undeleted = new SnapshotException("deleting snapshot folders failed");
                deleteFolders(roots, undeleted);
                if (undeleted.getSuppressed().length > 0) {
                    throw undeleted;
                }
            }
        } catch (IOException | RuntimeException e) {
            failures.add("the host's folder " + libvirt.root() + ": " + e.getMessage());
        }
        for (GuestInfo guest : recovered) {
            try {
                LibvirtBlocks blocks = libvirt.blocks();
                for (String name : blocks.checkpoints(guest.ref())) {
                    if (isCheckpoint(name) && dead.contains(UUID.fromString(name.substring(CHECKPOINT_PREFIX.length())))) {
                        blocks.deleteCheckpoint(guest.ref(), name);
                    }
                }
            } catch (GuestNotFoundException undefinedMeanwhile) {
                // its checkpoints went with it
            } catch (RuntimeException e) {
                failures.add("domain '" + guest.name() + "': " + e.getMessage());
            }
        }
        if (!failures.isEmpty()) {
            throw new SnapshotException("recovering snapshots on host '" + host.name() + "' failed: " + failures);
        }
    }

    /** Recovers one domain; returns the snapshots whose folders beside its disks were deleted. */
    private Set<UUID> recover(LibvirtHypervisor libvirt, GuestInfo guest) throws IOException {
        LibvirtBlocks blocks = libvirt.blocks();
        settleSavedState(libvirt, guest, file -> isOverlay(file) && isOwned(file));
        for (LibvirtBlocks.Disk disk : blocks.disks(guest.ref())) {
            if (isOverlay(disk.file()) && isOwned(disk.file())) {
                commit(libvirt, guest, disk);
            }
        }
        // The snapshot moved a persistent definition onto the overlays too, and a live commit may leave it there.
        for (LibvirtBlocks.Disk defined : blocks.definedDisks(guest.ref())) {
            if (isOverlay(defined.file()) && isOwned(defined.file())) {
                LibvirtBlocks.Disk base = backingDisk(defined.target(), defined.file());
                blocks.pointDiskAt(guest.ref(), base.target(), base.file(), base.format());
            }
        }
        Set<UUID> deleted = new HashSet<>();
        SnapshotException undeleted = new SnapshotException("deleting snapshot folders failed");
        for (LibvirtBlocks.Disk disk : blocks.disks(guest.ref())) {
            List<OwnedFolder> folders = snapshotFolders(disk.file().getParent());
            folders.forEach(folder -> deleted.add(folder.ownership().id()));
            deleteFolders(folders, undeleted);
        }
        if (undeleted.getSuppressed().length > 0) {
            throw undeleted;
        }
        return deleted;
    }

    private final class Prepared implements PreparedSnapshot {
        private final LibvirtHypervisor host;
        private final GuestInfo guest;
        private final UUID snapshotId;
        private final List<LibvirtBlocks.Disk> disks;
        private final SnapshotView view;
        private final Map<Path, OwnedFolder> folders;
        private final Map<String, Path> overlays;
        private final String checkpoint;
        private final String checkpointFailure;
        private final Path workDir;
        private boolean used;

        Prepared(LibvirtHypervisor host, GuestInfo guest, UUID snapshotId, List<LibvirtBlocks.Disk> disks,
                SnapshotView view, Map<Path, OwnedFolder> folders, Map<String, Path> overlays, String checkpoint,
                String checkpointFailure, Path workDir) {
            this.host = host;
            this.guest = guest;
            this.snapshotId = snapshotId;
            this.disks = disks;
            this.view = view;
            this.folders = folders;
            this.overlays = overlays;
            this.checkpoint = checkpoint;
            this.checkpointFailure = checkpointFailure;
            this.workDir = workDir;
        }

        /**
         * While the guest is held, one call reads its state and one puts the overlays on top of every disk at
         * once; everything else was made by prepare.
         */
        @Override
        public synchronized Snapshot create() {
            if (used) {
                throw new IllegalStateException("snapshot of domain '" + guest.name() + "' already created or closed");
            }
            used = true;
            try {
                GuestState state = host.state(guest.ref());
                Path savedState = null;
                if (state == GuestState.SAVED) {
                    savedState = host.savedState(guest.ref()).orElseThrow(() -> new SnapshotException("domain '"
                            + guest.name() + "' was saved by libvirt's managed save, not by Stillpoint's save-state"
                            + " hold; start it, or back it up in stop mode"));
                    // The restore that ends the hold then runs the domain on the overlays, off the frozen disks.
                    host.blocks().defineSavedStateDisks(savedState, overlays.entrySet().stream()
                            .map(o -> new LibvirtBlocks.Disk(o.getKey(), o.getValue(), "qcow2")).toList());
                } else if (state == GuestState.OFF) {
                    // libvirt refuses an external snapshot of a shut-off domain that has checkpoints. Started
                    // paused, the domain has run no instruction yet: its disks are as the shutdown left them,
                    // and the hold's end resumes it on the overlays.
                    host.blocks().startPaused(guest.ref());
                }
                if (savedState == null) {
                    host.blocks().snapshotDisks(guest.ref(), overlays, List.of());
                }
                Instant instant = Instant.now();
                if (savedState != null) {
                    // The restore deletes the saved state once it has run; the link keeps it for the copy.
                    Files.createLink(view.root().resolve(SAVED_STATE), savedState);
                }
                Map<String, String> facts = new LinkedHashMap<>();
                facts.put(FACT_SNAPSHOT_ID, snapshotId.toString());
                facts.put("method", "external disk-only snapshot, taken " + switch (state) {
                    case OFF -> "while the domain was shut off";
                    case SAVED -> "while the domain's state was saved";
                    default -> "online";
                });
                if (checkpoint != null) {
                    facts.put(FACT_CHECKPOINT, checkpoint);
                }
                return new LibvirtSnapshot(this, instant, view, facts);
            } catch (IOException | RuntimeException e) {
                SnapshotException failure = e instanceof SnapshotException snapshot ? snapshot : new SnapshotException(
                        "snapshot of domain '" + guest.name() + "' on host '" + host.name() + "' failed: "
                                + e.getMessage(), e);
                release(failure);
                throw failure;
            }
        }

        @Override
        public synchronized void close() {
            if (used) {
                return;
            }
            used = true;
            SnapshotException failure = new SnapshotException("discarding the prepared snapshot " + snapshotId
                    + " of domain '" + guest.name() + "' failed");
            release(failure);
            if (failure.getSuppressed().length > 0) {
                throw failure;
            }
        }

        /**
         * Commits whichever overlay went on top, deletes the folders, and drops the checkpoint this snapshot
         * began, which no point will record. Failures are added to {@code failure}.
         */
        void release(SnapshotException failure) {
            mergeAndDelete(failure);
            if (checkpoint != null && failure.getSuppressed().length == 0) {
                try {
                    host.blocks().deleteCheckpoint(guest.ref(), checkpoint);
                } catch (RuntimeException e) {
                    failure.addSuppressed(e);
                }
            }
        }

        private LibvirtBlocks.Disk diskOf(String target) {
            return disks.stream().filter(d -> d.target().equals(target)).findFirst().orElseThrow();
        }

        /**
         * Commits whichever of this snapshot's overlays is on top of a disk, then deletes the folders. A
         * failed commit leaves everything in place (the overlays hold the guest's newest writes) for a
         * retry or the recovery. Failures are added to {@code failure}.
         */
        void mergeAndDelete(SnapshotException failure) {
            try {
                settleSavedState(host, guest, overlays::containsValue);
                for (LibvirtBlocks.Disk now : host.blocks().disks(guest.ref())) {
                    if (overlays.containsValue(now.file())) {
                        commit(host, guest, now);
                    }
                }
                // A snapshot of a persistent domain changes its definition too; the definition must not be
                // left on an overlay that is about to be deleted, or the next cold start would fail.
                for (LibvirtBlocks.Disk defined : host.blocks().definedDisks(guest.ref())) {
                    if (overlays.containsValue(defined.file())) {
                        LibvirtBlocks.Disk disk = diskOf(defined.target());
                        host.blocks().pointDiskAt(guest.ref(), disk.target(), disk.file(), disk.format());
                    }
                }
            } catch (IOException | RuntimeException e) {
                failure.addSuppressed(e);
                return;
            }
            deleteFolders(folders.values(), failure);
        }
    }

    private final class LibvirtSnapshot extends AbstractSnapshot {
        private final Prepared prepared;
        private boolean released;

        LibvirtSnapshot(Prepared prepared, Instant instant, SnapshotView view, Map<String, String> facts) {
            super(instant, view, facts);
            this.prepared = prepared;
        }

        /**
         * Tracked when the previous point's checkpoint still exists and its bitmap is stored, readable, in
         * every qcow2 disk: then it holds every write since that point's snapshot. Anything else (the
         * checkpoint deleted, the domain redefined or migrated, a disk replaced) is an answer of untracked,
         * which costs one compare run, never a failed backup.
         */
        @Override
        public synchronized ChangeTracking changesSince(Map<String, String> previousFacts) {
            if (prepared.checkpointFailure != null) {
                return new ChangeTracking.Untracked(prepared.checkpointFailure);
            }
            String previous = previousFacts.get(FACT_CHECKPOINT);
            if (previous == null) {
                return new ChangeTracking.Untracked("the previous point records no checkpoint");
            }
            if (released) {
                throw new IllegalStateException("snapshot " + prepared.snapshotId + " is released; its view is gone");
            }
            try {
                if (!prepared.host.blocks().checkpoints(prepared.guest.ref()).contains(previous)) {
                    return new ChangeTracking.Untracked("checkpoint " + previous + " of the previous point is gone (the"
                            + " domain was redefined or migrated, its QEMU stopped while a snapshot was on and stored no"
                            + " bitmap, or a later snapshot's release removed it)");
                }
                Map<String, ChangedRanges> files = new LinkedHashMap<>();
                for (LibvirtBlocks.Disk disk : prepared.disks) {
                    if (!disk.format().equals("qcow2")) {
                        continue;
                    }
                    Optional<String> unreadable = bitmaps.unreadable(disk.file(), previous);
                    if (unreadable.isPresent()) {
                        return new ChangeTracking.Untracked("disk " + disk.target() + ": " + unreadable.get());
                    }
                    files.put(disk.target() + "/" + disk.file().getFileName(),
                            bitmaps.changed(disk.file(), previous, prepared.workDir));
                }
                return new ChangeTracking.Tracked(TRACKING_KIND, files);
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "domain '" + prepared.guest.name() + "': reading checkpoint "
                        + previous + " failed, the copy compares instead", e);
                return new ChangeTracking.Untracked("reading checkpoint " + previous + " failed: " + e.getMessage());
            }
        }

        /**
         * Commits the overlays and deletes the folders; then only this snapshot's checkpoint stays of
         * Stillpoint's, the one the next point reads. A failed release leaves the overlays on top (they hold
         * the guest's newest writes) for a retry or the recovery.
         */
        @Override
        public synchronized void close() {
            if (released) {
                return;
            }
            Instant deadline = Instant.now().plus(RELEASE_RETRIES);
            while (true) {
                SnapshotException failure = new SnapshotException("releasing snapshot " + prepared.snapshotId
                        + " of domain '" + prepared.guest.name() + "' failed");
                prepared.mergeAndDelete(failure);
                if (failure.getSuppressed().length == 0) {
                    break;
                }
                if (!onlyTransient(failure) || Instant.now().isAfter(deadline)) {
                    throw failure;
                }
                // A libvirtd restarting (an upgrade, a crash) answers again within seconds; until then the
                // guest would write to an overlay that the next backup refuses to snapshot over.
                LOG.log(System.Logger.Level.WARNING, "domain '" + prepared.guest.name() + "': releasing snapshot "
                        + prepared.snapshotId + " failed for now, retrying: " + failure.getSuppressed()[0].getMessage());
                pause(RELEASE_RETRY_INTERVAL);
            }
            released = true;
            dropOlderCheckpoints();
        }

        private void dropOlderCheckpoints() {
            try {
                LibvirtBlocks blocks = prepared.host.blocks();
                for (String name : blocks.checkpoints(prepared.guest.ref())) {
                    if (isCheckpoint(name) && !name.equals(prepared.checkpoint)) {
                        blocks.deleteCheckpoint(prepared.guest.ref(), name);
                    }
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "domain '" + prepared.guest.name() + "': older checkpoints of"
                        + " Stillpoint's were not removed; the next release removes them", e);
            }
        }
    }

    /**
     * Merges the overlay on top of {@code disk} into the disk below: through libvirt while the domain runs;
     * with {@code qemu-img commit} while it is shut off, which then needs its definition back on its disk.
     */
    private void commit(LibvirtHypervisor host, GuestInfo guest, LibvirtBlocks.Disk top) throws IOException {
        GuestState state = host.guest(guest.ref()).state();
        if (state == GuestState.RUNNING || state == GuestState.PAUSED) {
            host.blocks().commit(guest.ref(), top.target(), COMMIT);
            return;
        }
        LibvirtBlocks.Disk base = commitOffline(host, guest, top.target(), top.file());
        host.blocks().pointDiskAt(guest.ref(), base.target(), base.file(), base.format());
    }

    /**
     * Merges an overlay the domain's QEMU stopped writing to. Killed, QEMU stored no bitmap there, and
     * {@code qemu-img commit} merges none (a saved domain's overlay, restored onto without libvirt's snapshot,
     * never had any): the bitmaps in the disk then miss the overlay's writes, so Stillpoint's checkpoints go,
     * records and bitmaps, and the next point compares instead of trusting them.
     */
    private LibvirtBlocks.Disk commitOffline(LibvirtHypervisor host, GuestInfo guest, String target, Path overlay)
            throws IOException {
        LibvirtBlocks blocks = host.blocks();
        List<String> forgotten = blocks.checkpoints(guest.ref()).stream().filter(LibvirtSnapshotWriter::isCheckpoint)
                .toList();
        for (String name : forgotten) {
            blocks.forgetCheckpoint(guest.ref(), name);
        }
        LibvirtBlocks.Disk base = commitOffline(target, overlay);
        if (base.format().equals("qcow2")) {
            for (String bitmap : storedBitmaps(base.file())) {
                if (isCheckpoint(bitmap)) {
                    Processes.run(List.of(qemuImg(), "bitmap", "-f", "qcow2", "--remove", base.file().toString(),
                            bitmap), 60);
                }
            }
        }
        return base;
    }

    private List<String> storedBitmaps(Path qcow2) throws IOException {
        JsonNode info = JSON.readTree(Processes.run(List.of(qemuImg(), "info", "-U", "--output=json",
                qcow2.toString()), 60));
        List<String> names = new ArrayList<>();
        info.path("format-specific").path("data").path("bitmaps").forEach(b -> names.add(b.path("name").asText()));
        return names;
    }

    /** Merges {@code overlay} into its backing file with {@code qemu-img commit}; returns that file as the disk. */
    private LibvirtBlocks.Disk commitOffline(String target, Path overlay) throws IOException {
        LibvirtBlocks.Disk base = backingDisk(target, overlay);
        Processes.run(List.of(qemuImg(), "commit", "-q", "-f", "qcow2", overlay.toString()), 3600);
        return base;
    }

    /** The file an overlay is backed by, as disk {@code target}. */
    private LibvirtBlocks.Disk backingDisk(String target, Path overlay) throws IOException {
        JsonNode info = JSON.readTree(Processes.run(List.of(qemuImg(), "info", "-U", "--output=json",
                overlay.toString()), 60));
        String backing = info.path("full-backing-filename").asText("");
        if (backing.isEmpty()) {
            throw new IOException(overlay + " has no backing file, so it is no overlay of Stillpoint's");
        }
        return new LibvirtBlocks.Disk(target, Path.of(backing), info.path("backing-filename-format").asText("raw"));
    }

    /** Whether {@code file} lies in a snapshot folder: {@code .../.stillpoint-snapshots/<uuid>/<file>}. */
    private static boolean isOverlay(Path file) {
        Path folder = file.getParent();
        return folder != null && folder.getParent() != null && folder.getParent().getFileName() != null
                && folder.getParent().getFileName().toString().equals(VIEWS_DIR)
                && file.getFileName().toString().endsWith(OVERLAY_SUFFIX);
    }

    /** Whether {@code overlay} lies in a snapshot folder that carries Stillpoint's marker. */
    private static boolean isOwned(Path overlay) {
        Path folder = overlay.getParent();
        try {
            for (OwnedFolder owned : snapshotFolders(folder.getParent().getParent())) {
                if (Files.isSameFile(owned.path(), folder)) {
                    return true;
                }
            }
            return false;
        } catch (IOException unreadable) {
            return false;
        }
    }

    /**
     * A saved state whose definition a save-state snapshot moved onto overlays ({@code ours}) goes back
     * onto the disks: the overlays are merged into them first (a restore may have run on them and been
     * saved again), so the saved memory still matches its disks.
     */
    private void settleSavedState(LibvirtHypervisor host, GuestInfo guest, Predicate<Path> ours) throws IOException {
        Optional<Path> saved = host.savedState(guest.ref());
        if (saved.isEmpty()) {
            return;
        }
        List<LibvirtBlocks.Disk> disks = new ArrayList<>();
        boolean moved = false;
        for (LibvirtBlocks.Disk disk : host.blocks().savedStateDisks(saved.get())) {
            if (ours.test(disk.file())) {
                disks.add(commitOffline(host, guest, disk.target(), disk.file()));
                moved = true;
            } else {
                disks.add(disk);
            }
        }
        if (moved) {
            host.blocks().defineSavedStateDisks(saved.get(), disks);
        }
    }

    /** Whether every failure in {@code failure} is libvirt out of reach, which a later attempt may not meet. */
    private static boolean onlyTransient(SnapshotException failure) {
        for (Throwable suppressed : failure.getSuppressed()) {
            if (!(suppressed instanceof HostException host && host.transientFailure())) {
                return false;
            }
        }
        return true;
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SnapshotException("interrupted while waiting for libvirt to answer again", e);
        }
    }

    static boolean isCheckpoint(String name) {
        if (!name.startsWith(CHECKPOINT_PREFIX)) {
            return false;
        }
        String id = name.substring(CHECKPOINT_PREFIX.length());
        try {
            return UUID.fromString(id).toString().equals(id);
        } catch (IllegalArgumentException notAnId) {
            return false;
        }
    }

    /**
     * Makes {@code <disk folder>/.stillpoint-snapshots/<snapshot id>/}, marked. Both may be entered, not
     * listed, by others: libvirt's QEMU runs as its own user and opens the overlays in there.
     */
    private static OwnedFolder newSnapshotFolder(Path diskFolder, UUID snapshotId) throws IOException {
        Path views = diskFolder.resolve(VIEWS_DIR);
        OwnedFolder folder = SnapshotFolders.create(views, PURPOSE, snapshotId);
        Files.setPosixFilePermissions(views, PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(folder.path(), PosixFilePermissions.fromString("rwx--x--x"));
        return folder;
    }

    /** The marked snapshot folders beside a disk folder; anything else there is logged and left. */
    private static List<OwnedFolder> snapshotFolders(Path diskFolder) throws IOException {
        return SnapshotFolders.marked(diskFolder.resolve(VIEWS_DIR), PURPOSE, "libvirt snapshots in " + diskFolder);
    }

    /** Deletes the snapshot folders, and their views folder once empty; failures are added to {@code failure}. */
    private static void deleteFolders(Iterable<OwnedFolder> folders, SnapshotException failure) {
        for (OwnedFolder folder : folders) {
            try {
                folder.delete();
                SnapshotFolders.removeIfEmpty(folder.path().getParent());
            } catch (IOException | RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
    }

    private long virtualSize(Path disk) throws IOException {
        String info = Processes.run(List.of(qemuImg(), "info", "-U", "--output=json", disk.toString()), 60);
        return JSON.readTree(info).path("virtual-size").asLong();
    }

    private String qemuImg() throws IOException {
        try {
            return qemuImg.vet(qemuImg.allowed().get(0)).toString();
        } catch (UntrustedExecutableException e) {
            throw new IOException("qemu-img " + e.getMessage(), e);
        }
    }

    private static LibvirtHypervisor libvirt(Hypervisor host) {
        return host.unwrap(LibvirtHypervisor.class).orElseThrow(() -> new SnapshotException(
                "the libvirt writer only snapshots domains of a libvirt host; host '" + host.name() + "' is "
                        + host.kind()));
    }
}
