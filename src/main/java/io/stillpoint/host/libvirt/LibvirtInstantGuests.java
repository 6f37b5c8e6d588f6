package io.stillpoint.host.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stillpoint.fs.NoFollowDelete;
import io.stillpoint.fs.NotOwnedException;
import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.fs.UntrustedExecutableException;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestNotFoundException;
import io.stillpoint.host.HostException;
import io.stillpoint.host.InstantGuests;
import io.stillpoint.host.InvalidGuestSpecException;
import io.stillpoint.host.qemu.QemuConfig;
import io.stillpoint.writer.qemu.Processes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Instant recovery on a libvirt host. A restore point of a libvirt domain holds its definition ({@code
 * domain.xml}) and each disk as {@code <target>/<file>}. The new domain is defined from that definition as a
 * restore as a new domain defines one (new name, UUID and MACs, {@link DomainDefinitions#forInstantRecovery}),
 * its disks qcow2 overlays {@code <imageDir>/<name>/<target>.instant.qcow2} in a folder Stillpoint marks as
 * the recovery's, each backed by the point's image. QEMU opens backing files read-only, and the point's images
 * carry {@code relabel='no'}, so libvirt neither writes nor chowns them; its QEMU user only has to be able to
 * read them, which a start that fails on it says.
 *
 * <p>Moving the disks is one {@code virDomainBlockCopy} per disk (the whole chain, flattened) into a qcow2 file
 * {@code <target>.qcow2} that libvirt makes; once every copy has caught up, each disk is pivoted to its copy,
 * and the persistent definition is pointed at the copies. The domain's live XML is the record of how far a
 * move got: a disk whose source is its copy was pivoted, which is what recovery after a crash reads.
 */
final class LibvirtInstantGuests {

    static final String OVERLAY_EXTENSION = ".instant.qcow2";
    static final String MOVED_EXTENSION = ".qcow2";
    private static final Duration POLL = Duration.ofMillis(200);
    private static final long QEMU_IMG_SECONDS = 60;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final System.Logger LOG = System.getLogger(LibvirtInstantGuests.class.getName());

    private final LibvirtHypervisor host;
    private final Path imageDir;
    private final Duration jobStall;
    private final TrustedExecutables qemuImg =
            new TrustedExecutables(List.of(QemuConfig.DEFAULT_QEMU_IMG), QemuConfig.QEMU_IMG_KEY);

    /** @param jobStall how long a copy may make no progress before the move is given up */
    LibvirtInstantGuests(LibvirtHypervisor host, Path imageDir, Duration jobStall) {
        this.host = host;
        this.imageDir = imageDir;
        this.jobStall = jobStall;
    }

    GuestInfo startFromPoint(Path pointFiles, String name, UUID recoveryId) {
        Path dir = host.newGuestDirectory(name);
        String definition;
        Path point;
        try {
            point = pointFiles.toRealPath();
            definition = Files.readString(point.resolve(LibvirtHypervisor.DOMAIN_XML), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidGuestSpecException("restorePoint", "the restore point holds no libvirt domain definition"
                    + " that can run from its files: " + e.getMessage());
        }
        List<LibvirtBlocks.Disk> disks = DomainXml.fileDisks(definition);
        if (disks.isEmpty()) {
            throw new InvalidGuestSpecException("restorePoint", "the restore point's domain has no file-backed disk");
        }
        Map<String, Path> sources = new LinkedHashMap<>();
        for (LibvirtBlocks.Disk disk : disks) {
            sources.put(disk.target(), source(point, disk));
        }
        OwnedFolder folder;
        try {
            folder = OwnedFolder.create(dir, InstantGuests.PURPOSE, recoveryId);
            // libvirt's QEMU runs as its own user, which must enter the folder to open the overlays.
            Files.setPosixFilePermissions(folder.path(), PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException | NotOwnedException e) {
            throw new HostException("cannot make the folder " + dir + " of instant recovery " + recoveryId + ": "
                    + e.getMessage(), false, e);
        }
        String uuid = null;
        try {
            Map<String, DomainDefinitions.Overlay> overlays = new LinkedHashMap<>();
            for (LibvirtBlocks.Disk disk : disks) {
                Path source = sources.get(disk.target());
                Path overlay = folder.path().resolve(overlayName(disk.target()));
                Processes.run(List.of(qemuImg(), "create", "-q", "-f", "qcow2", "-F", disk.format(), "-b",
                        source.toString(), overlay.toString()), QEMU_IMG_SECONDS);
                overlays.put(disk.target(), new DomainDefinitions.Overlay(overlay, source, disk.format()));
            }
            uuid = host.blocks().define(DomainDefinitions.forInstantRecovery(definition, name, overlays));
            try {
                host.start(uuid);
            } catch (HostException e) {
                if (e.getMessage().contains("Permission denied")) {
                    throw new InvalidGuestSpecException("restorePoint", "libvirt's QEMU cannot read the restore"
                            + " point's disks in " + point + " (" + e.getMessage() + "); let its user read them, e.g."
                            + " setfacl -R -m u:libvirt-qemu:rX on the repository (see the README)");
                }
                throw e;
            }
            return host.guest(uuid);
        } catch (IOException | RuntimeException e) {
            try {
                throwAway(uuid, folder);
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            if (e instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new HostException("starting domain '" + name + "' from the restore point failed: " + e.getMessage(),
                    false, e);
        }
    }

    /**
     * The point's image of a disk, which becomes its overlay's backing file: a regular file right in the
     * point's folder for the disk (no link, nothing outside the point), qcow2 or raw, with no backing file of
     * its own (the chain would lead out of the point).
     */
    private Path source(Path point, LibvirtBlocks.Disk disk) {
        Path folder = point.resolve(disk.target());
        Path source = folder.resolve(disk.file().getFileName().toString());
        if (!disk.target().matches("[a-z0-9]+") || !Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidGuestSpecException("restorePoint", "the restore point holds no disk file "
                    + disk.target() + "/" + disk.file().getFileName() + " that its domain.xml names");
        }
        if (!disk.format().equals("qcow2") && !disk.format().equals("raw")) {
            throw new InvalidGuestSpecException("restorePoint", "disk " + disk.target() + " is " + disk.format()
                    + "; instant recovery runs qcow2 and raw disks");
        }
        try {
            JsonNode info = JSON.readTree(Processes.run(List.of(qemuImg(), "info", "-U", "--output=json", "-f",
                    disk.format(), source.toString()), QEMU_IMG_SECONDS));
            if (info.hasNonNull("backing-filename")) {
                throw new InvalidGuestSpecException("restorePoint", "disk " + disk.target() + " of the restore point"
                        + " has a backing file of its own; instant recovery runs disks that stand alone");
            }
        } catch (IOException e) {
            throw new InvalidGuestSpecException("restorePoint", "disk " + disk.target() + " of the restore point"
                    + " cannot be read as " + disk.format() + ": " + e.getMessage());
        }
        return source;
    }

    /** The guest's own folder, the overlays'. */
    Path defaultMoveTarget(String ref) {
        List<LibvirtBlocks.Disk> disks = host.blocks().disks(host.guest(ref).ref());
        if (disks.isEmpty()) {
            throw new HostException("domain " + ref + " has no file-backed disk to move");
        }
        return disks.get(0).file().getParent();
    }

    void moveDisks(String ref, UUID recoveryId, Path target, long bytesPerSecond,
            Consumer<InstantGuests.MoveProgress> progress) {
        String uuid = host.guest(ref).ref();
        List<LibvirtBlocks.Disk> disks = host.blocks().disks(uuid);
        Path folder;
        try {
            folder = targetFolder(disks, recoveryId, target).path();
        } catch (IOException | NotOwnedException e) {
            throw new HostException("cannot use " + target + " for the disks of domain " + uuid + ": " + e.getMessage(),
                    false, e);
        }
        try {
            for (LibvirtBlocks.Disk disk : disks) {
                Path copy = movedFile(folder, disk.target());
                if (Files.exists(copy, LinkOption.NOFOLLOW_LINKS)) {
                    throw new HostException(copy + " exists already; Stillpoint does not overwrite it");
                }
                host.blocks().copyDisk(uuid, disk.target(), copy, bytesPerSecond);
            }
            awaitCaughtUp(uuid, disks, progress);
            for (LibvirtBlocks.Disk disk : disks) {
                pivot(uuid, disk.target());
            }
        } catch (RuntimeException e) {
            try {
                if (pivoted(uuid, folder).isEmpty()) {
                    undo(uuid, recoveryId, disks, folder);
                }
            } catch (IOException | RuntimeException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
        try {
            finish(uuid, recoveryId, folder);
        } catch (IOException e) {
            throw new HostException("domain " + uuid + " runs from its new disks in " + folder + ", but tidying up"
                    + " after the move failed: " + e.getMessage(), false, e);
        }
    }

    InstantGuests.MoveOutcome resumeMove(String ref, UUID recoveryId, Path target) {
        String uuid = host.guest(ref).ref();
        try {
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                return InstantGuests.MoveOutcome.UNDONE;
            }
            Path folder = target.toRealPath();
            List<LibvirtBlocks.Disk> disks = host.blocks().disks(uuid);
            List<String> pivoted = pivoted(uuid, folder);
            if (pivoted.isEmpty()) {
                undo(uuid, recoveryId, disks, folder);
                return InstantGuests.MoveOutcome.UNDONE;
            }
            // Some disk runs on its copy already: going back is no longer possible, so the rest are finished.
            List<LibvirtBlocks.Disk> rest = disks.stream().filter(d -> !pivoted.contains(d.target())).toList();
            for (LibvirtBlocks.Disk disk : rest) {
                if (host.blocks().blockJob(uuid, disk.target()).isEmpty()) {
                    Path copy = movedFile(folder, disk.target());
                    if (Files.isRegularFile(copy, LinkOption.NOFOLLOW_LINKS)) {
                        NoFollowDelete.entry(folder, copy.getFileName().toString());
                    }
                    host.blocks().copyDisk(uuid, disk.target(), copy, 0);
                }
            }
            awaitCaughtUp(uuid, rest, p -> { });
            for (LibvirtBlocks.Disk disk : rest) {
                pivot(uuid, disk.target());
            }
            finish(uuid, recoveryId, folder);
            return InstantGuests.MoveOutcome.FINISHED;
        } catch (IOException e) {
            throw new HostException("resuming the move of domain " + uuid + " into " + target + " failed: "
                    + e.getMessage(), false, e);
        }
    }

    /**
     * Ends and forgets the domain, then deletes its overlays in its marked folder and the folder. {@code ref}
     * may also be the name the recovery gave it, for a start that a crash cut short, maybe before the domain
     * was defined.
     */
    void discard(String ref, UUID recoveryId) {
        Optional<GuestInfo> guest = find(ref);
        try {
            OwnedFolder folder;
            if (guest.isPresent()) {
                List<LibvirtBlocks.Disk> disks = host.blocks().definedDisks(guest.get().ref());
                Path dir = disks.isEmpty() ? imageDir.resolve(guest.get().name()) : disks.get(0).file().getParent();
                folder = OwnedFolder.open(dir, InstantGuests.PURPOSE, recoveryId);
            } else if (Files.isDirectory(imageDir.resolve(ref), LinkOption.NOFOLLOW_LINKS)) {
                folder = OwnedFolder.open(imageDir.resolve(ref), InstantGuests.PURPOSE, recoveryId);
            } else {
                throw new GuestNotFoundException(host.name(), ref);
            }
            throwAway(guest.map(GuestInfo::ref).orElse(null), folder);
        } catch (IOException | NotOwnedException e) {
            throw new HostException("discarding domain '" + ref + "' failed: " + e.getMessage(), false, e);
        }
    }

    private Optional<GuestInfo> find(String ref) {
        try {
            return Optional.of(host.guest(ref));
        } catch (GuestNotFoundException notAUuid) {
            return host.guests().stream().filter(g -> g.name().equals(ref)).findFirst();
        }
    }

    /**
     * Ends and undefines the domain {@code uuid} (if there is one), then deletes the overlays in the marked
     * folder, regular files of Stillpoint's naming only, and the marker and the folder if that emptied it.
     */
    private void throwAway(String uuid, OwnedFolder folder) throws IOException {
        if (uuid != null) {
            host.blocks().destroyAndUndefine(uuid);
        }
        deleteOverlays(folder);
        folder.release();
    }

    /** Deletes the overlays in a folder of the recovery: regular files of Stillpoint's naming, never a link. */
    private static void deleteOverlays(OwnedFolder folder) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder.path(), "*" + OVERLAY_EXTENSION)) {
            for (Path entry : entries) {
                if (Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) {
                    NoFollowDelete.entry(folder.path(), entry.getFileName().toString());
                }
            }
        }
    }

    /** The folder for the copies: the guest's own, marked as the recovery's already, or another, marked now. */
    private static OwnedFolder targetFolder(List<LibvirtBlocks.Disk> disks, UUID recoveryId, Path target)
            throws IOException {
        Path own = disks.isEmpty() ? null : disks.get(0).file().getParent();
        if (own != null && sameFile(target, own)) {
            return OwnedFolder.open(target, InstantGuests.PURPOSE, recoveryId);
        }
        OwnedFolder folder = OwnedFolder.create(target, InstantGuests.PURPOSE, recoveryId);
        Files.setPosixFilePermissions(folder.path(), PosixFilePermissions.fromString("rwxr-xr-x"));
        return folder;
    }

    /** Waits until every disk's copy has caught up with it, reporting the bytes copied over all of them. */
    private void awaitCaughtUp(String uuid, List<LibvirtBlocks.Disk> disks, Consumer<InstantGuests.MoveProgress> progress) {
        long lastDone = -1;
        long lastChange = System.nanoTime();
        while (true) {
            long done = 0;
            long total = 0;
            boolean ready = true;
            for (LibvirtBlocks.Disk disk : disks) {
                LibvirtBlocks.BlockJob job = host.blocks().blockJob(uuid, disk.target())
                        .filter(j -> j.type() == LibvirtNative.VIR_DOMAIN_BLOCK_JOB_TYPE_COPY)
                        .orElseThrow(() -> new HostException("the copy of disk " + disk.target() + " of domain " + uuid
                                + " ended before it was pivoted to"));
                done += job.done();
                total += job.total();
                ready &= job.total() > 0 && job.done() == job.total();
            }
            progress.accept(new InstantGuests.MoveProgress(done, total, ready));
            if (ready) {
                return;
            }
            if (done != lastDone) {
                lastDone = done;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange > jobStall.toNanos()) {
                throw new HostException("the disk copies of domain " + uuid + " made no progress for "
                        + jobStall.toSeconds() + " s");
            }
            sleep();
        }
    }

    /** Pivots the disk to its copy, retrying while QEMU says the copy has not caught up yet. */
    private void pivot(String uuid, String target) {
        long until = System.nanoTime() + jobStall.toNanos();
        while (!host.blocks().pivot(uuid, target)) {
            if (System.nanoTime() > until) {
                throw new HostException("disk " + target + " of domain " + uuid + " could not be pivoted to its copy"
                        + " within " + jobStall.toSeconds() + " s");
            }
            sleep();
        }
    }

    /** The targets of the disks that run on their copy in {@code folder} now. */
    private List<String> pivoted(String uuid, Path folder) {
        List<String> pivoted = new ArrayList<>();
        for (LibvirtBlocks.Disk disk : host.blocks().disks(uuid)) {
            if (disk.file().equals(movedFile(folder, disk.target()))) {
                pivoted.add(disk.target());
            }
        }
        return pivoted;
    }

    /**
     * After every disk was pivoted: the persistent definition on the copies, so a restart starts from them;
     * the overlays deleted; the folders no longer the recovery's, since the domain is an ordinary one now.
     */
    private void finish(String uuid, UUID recoveryId, Path folder) throws IOException {
        List<Path> recoveryFolders = new ArrayList<>(List.of(folder));
        for (LibvirtBlocks.Disk defined : host.blocks().definedDisks(uuid)) {
            if (defined.file().getFileName().toString().endsWith(OVERLAY_EXTENSION)
                    && !recoveryFolders.contains(defined.file().getParent())) {
                recoveryFolders.add(defined.file().getParent());
            }
            host.blocks().pointDiskAt(uuid, defined.target(), movedFile(folder, defined.target()), "qcow2");
        }
        for (Path dir : recoveryFolders) {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                    || OwnedFolder.read(dir).filter(o -> o.id().equals(recoveryId)).isEmpty()) {
                continue;
            }
            OwnedFolder owned = OwnedFolder.open(dir, InstantGuests.PURPOSE, recoveryId);
            deleteOverlays(owned);
            if (sameFile(owned.path(), folder)) {
                owned.disown();
            } else {
                owned.release();
            }
        }
    }

    /** Cancels the copies and deletes them: the domain runs on from its overlays as before. */
    private void undo(String uuid, UUID recoveryId, List<LibvirtBlocks.Disk> disks, Path folder) throws IOException {
        for (LibvirtBlocks.Disk disk : disks) {
            host.blocks().cancelBlockJob(uuid, disk.target());
            Path copy = movedFile(folder, disk.target());
            if (Files.isRegularFile(copy, LinkOption.NOFOLLOW_LINKS)) {
                NoFollowDelete.entry(folder, copy.getFileName().toString());
            }
        }
        if (!disks.isEmpty() && !sameFile(folder, disks.get(0).file().getParent())) {
            try {
                OwnedFolder.open(folder, InstantGuests.PURPOSE, recoveryId).release();
            } catch (NotOwnedException notOurs) {
                LOG.log(System.Logger.Level.DEBUG, "not releasing " + folder + ": " + notOurs.getMessage());
            }
        }
    }

    static String overlayName(String target) {
        return target + OVERLAY_EXTENSION;
    }

    static Path movedFile(Path folder, String target) {
        return folder.resolve(target + MOVED_EXTENSION);
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return a.equals(b) || Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    private String qemuImg() throws IOException {
        try {
            return qemuImg.vet(qemuImg.allowed().get(0)).toString();
        } catch (UntrustedExecutableException e) {
            throw new IOException("qemu-img " + e.getMessage(), e);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostException("interrupted while the disks were copied", true, e);
        }
    }
}
