package io.stillpoint.host.simulated;

import io.stillpoint.fs.NotOwnedException;
import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.host.AbstractGuestHold;
import io.stillpoint.host.GuestHold;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestNames;
import io.stillpoint.host.GuestSpec;
import io.stillpoint.host.GuestState;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.HostException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * One simulated guest: its folder, its power state and its "RAM" (the next sequence number of each
 * disk). Every method that touches state or disks holds this object's monitor, so a hold, a snapshot
 * switch and the guest's own writes never interleave.
 */
final class SimulatedGuest {

    static final String MACHINES = "Virtual Machines";
    static final String DISKS = "Virtual Hard Disks";
    /** Followed by the new guest's id: the folder a guest is built in before it is renamed into place. */
    static final String CREATING = ".creating-";
    /** What the marker of a guest being built says it is for; its id is the guest's. */
    static final String CREATION_PURPOSE = "simulated-guest-creation";

    private static final System.Logger LOG = System.getLogger(SimulatedGuest.class.getName());
    private static final byte[] VSV_MAGIC = "SPVSV001".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RAM_MAGIC = "SPRAM001".getBytes(StandardCharsets.US_ASCII);

    private final String hostName;
    private final GuestConfig config;
    private final Path directory;
    private final List<SimulatedDisk> disks;
    private final WriteTracking tracking;
    private final EnumSet<SimulatedOperation> armedFailures = EnumSet.noneOf(SimulatedOperation.class);
    private GuestState state;
    private boolean frozen;
    private ActiveDiversion diversion;

    private SimulatedGuest(String hostName, GuestConfig config, Path directory, List<SimulatedDisk> disks,
            WriteTracking tracking, GuestState state) {
        this.hostName = hostName;
        this.config = config;
        this.directory = directory;
        this.disks = disks;
        this.tracking = tracking;
        this.state = state;
        for (SimulatedDisk disk : disks) {
            disk.track(tracking);
        }
    }

    /**
     * Builds the guest's folder beside its final place and renames it in, so a crash leaves no half guest.
     * The folder it is built in carries Stillpoint's marker until just before the rename, so that a host
     * opened after a crash removes it ({@link #removeHalfCreated}) and nothing else named like it.
     */
    static Path create(Path root, GuestSpec spec, String id) throws IOException {
        OwnedFolder staging = OwnedFolder.create(root.resolve(CREATING + id), CREATION_PURPOSE, UUID.fromString(id));
        try {
            Path machines = Files.createDirectories(staging.path().resolve(MACHINES));
            Path disksDir = Files.createDirectories(staging.path().resolve(DISKS));
            List<String> diskNames = new ArrayList<>();
            for (int i = 0; i < spec.diskSizesBytes().size(); i++) {
                String diskName = GuestNames.fileName(spec.name()) + (i == 0 ? "" : "-" + i) + ".vhdx";
                SimulatedDisk.create(disksDir.resolve(diskName), spec.diskSizesBytes().get(i), id.hashCode() * 31L + i);
                diskNames.add(diskName);
            }
            GuestConfig config = new GuestConfig(id, spec.name(), spec.memoryBytes(), spec.guestOs(),
                    spec.canQuiesce(), diskNames);
            AtomicFiles.write(machines.resolve(id + ".xml"), config.toXml());
            AtomicFiles.write(machines.resolve(id + ".state"), stateBytes(GuestState.RUNNING));
            // The marker is no file of the guest: a finished guest's folder, backed up whole, does not keep it.
            Files.delete(staging.path().resolve(OwnedFolder.MARKER));
            AtomicFiles.forceDirectory(staging.path());
            Path target = root.resolve(GuestNames.fileName(spec.name()));
            Files.move(staging.path(), target, StandardCopyOption.ATOMIC_MOVE);
            AtomicFiles.forceDirectory(root);
            return target;
        } catch (IOException | RuntimeException e) {
            try {
                staging.delete();
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /**
     * Removes the folder {@code name} of the host's root that a crash left while a guest was built in it,
     * if it is one: a folder (not a link) carrying the marker {@link #create} wrote for the id its name
     * ends with. Anything else named like it is left, and the log says so.
     */
    static void removeHalfCreated(String hostName, Path root, String name) throws IOException {
        String why;
        if (!isGenerated(name.substring(CREATING.length()))) {
            why = "its name does not end with an id Stillpoint generates";
        } else {
            try {
                OwnedFolder.openEntry(root, name, CREATION_PURPOSE, generatedId(name.substring(CREATING.length())))
                        .delete();
                return;
            } catch (NotOwnedException notOurs) {
                why = "it " + notOurs.problem();
            }
        }
        LOG.log(System.Logger.Level.WARNING, "simulated host '" + hostName + "': left " + root.resolve(name)
                + " as it is: " + why + ", and Stillpoint deletes only what it provably made");
    }

    /** A guest or snapshot id as the simulated host writes it: a UUID in upper case, and nothing else. */
    static UUID generatedId(String id) {
        UUID uuid = UUID.fromString(id);
        if (!uuid.toString().toUpperCase(Locale.ROOT).equals(id)) {
            throw new IllegalArgumentException("'" + id + "' is not an id Stillpoint generates");
        }
        return uuid;
    }

    /**
     * Opens a guest folder as a restarted host finds it: leftovers of a crash are settled first
     * (temp files deleted, differencing disks merged, stale saved memory dropped), then the guest's RAM
     * is rebuilt the way the guest itself would, from its disks or its saved memory. The record of its
     * writes comes from the host's folder {@code hostRoot}.
     */
    static SimulatedGuest load(String hostName, Path hostRoot, Path directory) throws IOException {
        Path machines = directory.resolve(MACHINES);
        Path configFile = configFile(machines);
        GuestConfig config = GuestConfig.read(configFile);
        for (String target : List.of(".xml", ".state", ".vsv", ".bin")) {
            Path temp = machines.resolve(config.id() + target + AtomicFiles.TEMP_SUFFIX);
            if (Files.isRegularFile(temp, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(temp);
            }
        }
        Path stateFile = machines.resolve(config.id() + ".state");
        GuestState state = Files.exists(stateFile) ? readState(stateFile) : GuestState.OFF;
        List<SimulatedDisk> disks = new ArrayList<>();
        try {
            for (String diskName : config.disks()) {
                SimulatedDisk disk = SimulatedDisk.open(diskFile(directory, diskName));
                disks.add(disk);
                mergeLeftovers(disk);
            }
            SimulatedGuest guest = new SimulatedGuest(hostName, config, directory, disks,
                    WriteTracking.open(hostRoot, config.id()), state);
            guest.recoverMemory();
            return guest;
        } catch (IOException | RuntimeException e) {
            for (SimulatedDisk disk : disks) {
                closeQuietly(disk);
            }
            throw e;
        }
    }

    /**
     * Gives a restored copy of a guest's folder a new identity in place: a new id for its configuration,
     * state and saved memory, and disk files named after its new name.
     */
    static void adopt(Path directory, String name, String id) throws IOException {
        Path machines = directory.resolve(MACHINES);
        Path oldConfigFile = configFile(machines);
        GuestConfig old = GuestConfig.read(oldConfigFile);
        List<String> diskNames = new ArrayList<>();
        for (int i = 0; i < old.disks().size(); i++) {
            String diskName = GuestNames.fileName(name) + (i == 0 ? "" : "-" + i) + ".vhdx";
            Path from = diskFile(directory, old.disks().get(i));
            Path to = directory.resolve(DISKS).resolve(diskName);
            if (!from.equals(to)) {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            }
            diskNames.add(diskName);
        }
        GuestConfig renewed = new GuestConfig(id, name, old.memoryBytes(), old.guestOs(), old.canQuiesce(), diskNames);
        for (String suffix : List.of(".state", ".vsv", ".bin")) {
            Path from = machines.resolve(old.id() + suffix);
            if (Files.exists(from)) {
                Files.move(from, machines.resolve(id + suffix), StandardCopyOption.ATOMIC_MOVE);
            }
        }
        AtomicFiles.write(machines.resolve(id + ".xml"), renewed.toXml());
        Files.delete(oldConfigFile);
        AtomicFiles.forceDirectory(machines);
        AtomicFiles.forceDirectory(directory.resolve(DISKS));
    }

    /**
     * A disk named by the guest's configuration file, which a restore brings back from a backup: only a
     * plain file name inside {@code Virtual Hard Disks} counts, so the file cannot point Stillpoint elsewhere.
     */
    private static Path diskFile(Path directory, String diskName) throws IOException {
        Path disks = directory.resolve(DISKS);
        Path file = disks.resolve(diskName).normalize();
        if (diskName.isEmpty() || diskName.contains("/") || diskName.contains("\\") || !disks.equals(file.getParent())) {
            throw new IOException("the guest's configuration names a disk '" + diskName + "' outside " + disks);
        }
        return file;
    }

    String id() {
        return config.id();
    }

    String name() {
        return config.name();
    }

    synchronized GuestInfo info() {
        return new GuestInfo(config.id(), config.name(), state, config.canQuiesce(), config.memoryBytes(),
                config.guestOs(), directory, disks.stream().map(SimulatedDisk::file).toList());
    }

    synchronized Map<String, Long> sequences() {
        Map<String, Long> sequences = new LinkedHashMap<>();
        for (SimulatedDisk disk : disks) {
            sequences.put(disk.fileName(), disk.lastSequence());
        }
        return sequences;
    }

    /**
     * Writes {@code data} into a disk as the guest would, so tracked like the guest's own writes: into the
     * differencing disk while a snapshot is held, else into the base. A guest whose memory is saved writes
     * nothing until it is started.
     */
    synchronized void writeGuestData(String diskFileName, long offset, byte[] data) {
        if (state == GuestState.SAVED) {
            throw new HostException("guest '" + config.name() + "' on host '" + hostName
                    + "' is SAVED; start it before it writes");
        }
        SimulatedDisk disk = disks.stream().filter(d -> d.fileName().equals(diskFileName)).findFirst()
                .orElseThrow(() -> new HostException("guest '" + config.name() + "' on host '" + hostName
                        + "' has no disk '" + diskFileName + "'"));
        try {
            disk.writeGuestData(offset, data);
        } catch (IOException e) {
            throw failure("writing into disk '" + diskFileName + "'", e);
        }
    }

    /** The recording generation misses writes from now on, e.g. as the guest's disks were replaced. */
    synchronized void loseTracking(String reason) {
        tracking.lose(reason);
    }

    synchronized void failNext(SimulatedOperation operation) {
        armedFailures.add(operation);
    }

    /**
     * The guest's own I/O. A write error pauses the guest, as Hyper-V pauses a VM whose storage fails,
     * rather than letting it run on with a hole in its history.
     */
    synchronized void tick(int blocksPerDisk) {
        if (state != GuestState.RUNNING || frozen) {
            return;
        }
        try {
            for (SimulatedDisk disk : disks) {
                for (int i = 0; i < blocksPerDisk; i++) {
                    disk.writeNextBlock();
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "guest '" + config.name() + "' paused: disk write failed", e);
            state = GuestState.PAUSED;
            try {
                persistState();
            } catch (IOException persistFailure) {
                e.addSuppressed(persistFailure);
            }
        }
    }

    synchronized GuestHold hold(HoldMode mode) {
        GuestState prior = state;
        if (state != GuestState.RUNNING || (mode == HoldMode.FREEZE && frozen)) {
            return new Hold(mode, prior, false);
        }
        switch (mode) {
            case FREEZE -> freeze();
            case PAUSE -> pause();
            case SAVE_STATE -> saveState();
            case STOP -> stop();
        }
        return new Hold(mode, prior, true);
    }

    synchronized void start() {
        if (state == GuestState.RUNNING) {
            return;
        }
        consumeFailure(SimulatedOperation.START);
        try {
            switch (state) {
                case PAUSED -> transition(GuestState.RUNNING);
                case SAVED -> resumeFromSaved();
                case OFF -> boot();
                default -> throw new IllegalStateException(state.name());
            }
        } catch (IOException e) {
            throw failure("start", e);
        }
    }

    /** Clean shutdown: the guest flushes its disks, and a saved state is discarded, as Hyper-V does. */
    synchronized void stop() {
        if (state == GuestState.OFF) {
            return;
        }
        consumeFailure(SimulatedOperation.STOP);
        try {
            forceDisks();
            transition(GuestState.OFF);
            frozen = false;
            deleteSavedMemory();
        } catch (IOException e) {
            throw failure("stop", e);
        }
    }

    /**
     * Switches every disk to a new differencing disk and runs {@code whileStill} before any further guest
     * write, so whatever it does with the guest's folder sees the snapshot instant.
     */
    synchronized Diversion divert(String snapshotId, SimulatedHypervisor.GuestFolderAction whileStill)
            throws IOException {
        if (diversion != null) {
            throw new HostException("guest '" + config.name() + "' on host '" + hostName
                    + "' already writes to differencing disks of snapshot " + diversion.snapshotId);
        }
        Map<String, Long> sequences = new LinkedHashMap<>();
        Map<String, Path> overlays = new LinkedHashMap<>();
        List<SimulatedDisk> diverted = new ArrayList<>();
        try {
            for (SimulatedDisk disk : disks) {
                Path overlayFile = disk.file().resolveSibling(overlayName(disk.fileName(), snapshotId));
                disk.divert(DifferencingDisk.create(overlayFile));
                diverted.add(disk);
                sequences.put(disk.fileName(), disk.lastSequence());
                overlays.put(disk.fileName(), overlayFile);
            }
            whileStill.run(directory);
        } catch (IOException | RuntimeException e) {
            for (SimulatedDisk disk : diverted) {
                DifferencingDisk overlay = disk.overlay();
                disk.undivert();
                closeQuietly(overlay);
                try {
                    AtomicFiles.deleteDurably(overlay.file());
                } catch (IOException cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            throw e;
        }
        diversion = new ActiveDiversion(snapshotId, diverted);
        // The snapshot instant, with no guest write possible under this lock: writes from here on are the
        // new generation's, whether they land in the differencing disks or, after the merge, in the base.
        return new Diversion(snapshotId, sequences, overlays, tracking.handOver());
    }

    /**
     * Merges the differencing disks of {@code snapshotId} back into the base disks. Most of the log is
     * replayed while the guest goes on writing; only the tail written meanwhile is replayed with the
     * guest blocked, then the guest writes to its base again. No-op when that snapshot is not active.
     */
    void merge(String snapshotId) throws IOException {
        List<SimulatedDisk> pending;
        List<DifferencingDisk> overlays;
        synchronized (this) {
            if (diversion == null || !diversion.snapshotId.equals(snapshotId) || diversion.merging) {
                return;
            }
            diversion.merging = true;
            pending = List.copyOf(diversion.disks);
            overlays = pending.stream().map(SimulatedDisk::overlay).toList();
        }
        try {
            long[] replayed = new long[pending.size()];
            for (int i = 0; i < pending.size(); i++) {
                DifferencingDisk overlay = overlays.get(i);
                replayed[i] = overlay.replayInto(pending.get(i).base(), DifferencingDisk.HEADER_BYTES, overlay.end());
            }
            synchronized (this) {
                for (int i = 0; i < pending.size(); i++) {
                    SimulatedDisk disk = pending.get(i);
                    DifferencingDisk overlay = disk.overlay();
                    overlay.replayInto(disk.base(), replayed[i], overlay.end());
                    disk.base().force(false);
                }
                // The log goes before the guest writes its base again: a log left on disk would be
                // replayed at the next start over newer writes.
                for (SimulatedDisk disk : pending) {
                    DifferencingDisk overlay = disk.overlay();
                    AtomicFiles.deleteDurably(overlay.file());
                    disk.undivert();
                    diversion.disks.remove(disk);
                    closeQuietly(overlay);
                }
                diversion = null;
            }
        } finally {
            synchronized (this) {
                if (diversion != null) {
                    diversion.merging = false;
                }
            }
        }
    }

    /** Merges whatever snapshot is active, for a writer cleaning up after a crashed process. */
    void mergeAny() throws IOException {
        String active;
        synchronized (this) {
            active = diversion == null ? null : diversion.snapshotId;
        }
        if (active != null) {
            merge(active);
        }
    }

    /**
     * Saves the record of the guest's writes and closes the disk files; the guest's state stays as
     * persisted, as a VM outlives its management service.
     */
    synchronized void close() {
        try {
            tracking.save();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "guest '" + config.name() + "': record of its writes not saved,"
                    + " its next snapshot will not be change-tracked", e);
        }
        for (SimulatedDisk disk : disks) {
            closeQuietly(disk);
        }
    }

    static String overlayName(String diskFileName, String snapshotId) {
        int dot = diskFileName.lastIndexOf('.');
        String base = dot < 0 ? diskFileName : diskFileName.substring(0, dot);
        return base + "_" + snapshotId + DifferencingDisk.EXTENSION;
    }

    private synchronized void release(HoldMode mode) {
        if (mode == HoldMode.FREEZE) {
            if (frozen) {
                consumeFailure(SimulatedOperation.THAW);
                frozen = false;
            }
        } else {
            start();
        }
    }

    private void freeze() {
        if (!config.canQuiesce()) {
            throw new HostException("guest '" + config.name() + "' on host '" + hostName
                    + "' cannot quiesce itself (no in-guest VSS or guest agent); hold it with PAUSE or SAVE_STATE");
        }
        consumeFailure(SimulatedOperation.FREEZE);
        try {
            forceDisks();
        } catch (IOException e) {
            throw failure("freeze", e);
        }
        frozen = true;
    }

    private void pause() {
        consumeFailure(SimulatedOperation.PAUSE);
        try {
            transition(GuestState.PAUSED);
        } catch (IOException e) {
            throw failure("pause", e);
        }
    }

    /** Memory goes to disk first and durably; only then is the guest SAVED, so a crash never loses RAM. */
    private void saveState() {
        consumeFailure(SimulatedOperation.SAVE_STATE);
        try {
            forceDisks();
            AtomicFiles.writeSparse(binFile(), config.memoryBytes(), memoryImage());
            ByteBuffer vsv = ByteBuffer.allocate(64).put(VSV_MAGIC)
                    .putLong(SimulatedDisks.epochMicros()).putLong(config.memoryBytes());
            AtomicFiles.write(vsvFile(), vsv.array());
            transition(GuestState.SAVED);
        } catch (IOException e) {
            try {
                deleteSavedMemory();
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw failure("save state", e);
        }
    }

    private void resumeFromSaved() throws IOException {
        long[] memory = readMemoryImage();
        if (memory == null) {
            throw new HostException("saved state of guest '" + config.name() + "' on host '" + hostName
                    + "' is missing or corrupt (" + binFile() + ")");
        }
        for (int i = 0; i < disks.size(); i++) {
            disks.get(i).nextSequence(memory[i]);
        }
        transition(GuestState.RUNNING);
        deleteSavedMemory();
    }

    private void boot() throws IOException {
        for (SimulatedDisk disk : disks) {
            disk.nextSequence(disk.scanLastSequence() + 1);
        }
        transition(GuestState.RUNNING);
    }

    /**
     * A SAVED guest's RAM is in its .bin; any other guest's RAM is what it finds on its disks. The state
     * file is written only after the .vsv/.bin, so saved memory beside a guest that is not SAVED is a
     * leftover of a crash or of a resume interrupted before it deleted them.
     */
    private void recoverMemory() throws IOException {
        if (state == GuestState.SAVED) {
            long[] memory = readMemoryImage();
            if (memory != null) {
                for (int i = 0; i < disks.size(); i++) {
                    disks.get(i).nextSequence(memory[i]);
                }
                return;
            }
            LOG.log(System.Logger.Level.WARNING, "guest '" + config.name()
                    + "': saved state missing or corrupt, guest is OFF");
            transition(GuestState.OFF);
        }
        deleteSavedMemory();
        for (SimulatedDisk disk : disks) {
            disk.nextSequence(disk.scanLastSequence() + 1);
        }
    }

    /**
     * Files restored in place were captured while the guest was held: a guest they describe as running
     * or paused lost its RAM with the restore and is OFF, as a powered-off machine is; a SAVED one keeps
     * its saved memory and resumes from it.
     */
    synchronized void settleAfterRestore() throws IOException {
        if (state == GuestState.RUNNING || state == GuestState.PAUSED) {
            transition(GuestState.OFF);
        }
    }

    private byte[] memoryImage() {
        ByteBuffer image = ByteBuffer.allocate(4096);
        image.put(RAM_MAGIC).putInt(disks.size());
        for (SimulatedDisk disk : disks) {
            image.putLong(disk.nextSequence());
        }
        CRC32C crc = new CRC32C();
        crc.update(image.array(), 0, image.position());
        image.putLong(crc.getValue());
        return image.array();
    }

    /** The next sequence number of each disk, or null when the saved memory is missing or corrupt. */
    private long[] readMemoryImage() throws IOException {
        Path bin = binFile();
        if (!Files.isRegularFile(bin) || !Files.isRegularFile(vsvFile())) {
            return null;
        }
        ByteBuffer image = ByteBuffer.allocate(4096);
        try (var channel = FileChannel.open(bin)) {
            AtomicFiles.readFully(channel, image, 0);
        }
        image.flip();
        byte[] magic = new byte[RAM_MAGIC.length];
        if (image.remaining() < magic.length + Integer.BYTES) {
            return null;
        }
        image.get(magic);
        int count = image.getInt();
        if (!Arrays.equals(magic, RAM_MAGIC) || count != disks.size()
                || image.remaining() < (count + 1) * Long.BYTES) {
            return null;
        }
        long[] next = new long[count];
        for (int i = 0; i < count; i++) {
            next[i] = image.getLong();
        }
        CRC32C crc = new CRC32C();
        crc.update(image.array(), 0, image.position());
        return image.getLong() == crc.getValue() ? next : null;
    }

    private void transition(GuestState to) throws IOException {
        GuestState from = state;
        state = to;
        try {
            persistState();
        } catch (IOException e) {
            state = from;
            throw e;
        }
    }

    private void persistState() throws IOException {
        AtomicFiles.write(directory.resolve(MACHINES).resolve(config.id() + ".state"), stateBytes(state));
    }

    private void forceDisks() throws IOException {
        for (SimulatedDisk disk : disks) {
            disk.force();
        }
    }

    private void deleteSavedMemory() throws IOException {
        AtomicFiles.deleteDurably(vsvFile());
        AtomicFiles.deleteDurably(binFile());
    }

    private Path vsvFile() {
        return directory.resolve(MACHINES).resolve(config.id() + ".vsv");
    }

    private Path binFile() {
        return directory.resolve(MACHINES).resolve(config.id() + ".bin");
    }

    private void consumeFailure(SimulatedOperation operation) {
        if (armedFailures.remove(operation)) {
            throw new HostException("simulated failure: " + operation + " of guest '" + config.name()
                    + "' on host '" + hostName + "'", true, null);
        }
    }

    private HostException failure(String operation, IOException cause) {
        return new HostException(operation + " of guest '" + config.name() + "' on host '" + hostName + "' failed: "
                + cause.getMessage(), false, cause);
    }

    /**
     * Replays differencing disks a crash left beside {@code disk} into it, oldest first, and deletes them.
     * Only files that are provably Stillpoint's are touched: regular files (not links) named {@code
     * <disk>_<snapshot id>.avhdx} with an id as Stillpoint writes it, beginning with the differencing disk's
     * own header; anything else named like one is left, and the log says so.
     */
    private static void mergeLeftovers(SimulatedDisk disk) throws IOException {
        String fileName = disk.fileName();
        String prefix = overlayName(fileName, "").replace(DifferencingDisk.EXTENSION, "");
        record Leftover(Path file, long createdMicros) {}
        List<Leftover> oldestFirst = new ArrayList<>();
        try (DirectoryStream<Path> found = Files.newDirectoryStream(disk.file().getParent(),
                prefix + "*" + DifferencingDisk.EXTENSION)) {
            for (Path leftover : found) {
                String name = leftover.getFileName().toString();
                String id = name.substring(prefix.length(), name.length() - DifferencingDisk.EXTENSION.length());
                OptionalLong created = isGenerated(id) && Files.isRegularFile(leftover, LinkOption.NOFOLLOW_LINKS)
                        ? DifferencingDisk.createdMicros(leftover) : OptionalLong.empty();
                if (created.isPresent()) {
                    oldestFirst.add(new Leftover(leftover, created.getAsLong()));
                } else {
                    LOG.log(System.Logger.Level.WARNING, "left " + leftover + " as it is: it is named like a"
                            + " differencing disk, but is no differencing disk Stillpoint made");
                }
            }
        }
        oldestFirst.sort(Comparator.comparingLong(Leftover::createdMicros));
        for (Leftover leftover : oldestFirst) {
            LOG.log(System.Logger.Level.INFO, "merging leftover differencing disk " + leftover.file());
            DifferencingDisk.replayLeftover(leftover.file(), disk.base());
            AtomicFiles.deleteDurably(leftover.file());
        }
    }

    private static boolean isGenerated(String id) {
        try {
            generatedId(id);
            return true;
        } catch (IllegalArgumentException notAnId) {
            return false;
        }
    }

    private static Path configFile(Path machines) throws IOException {
        List<Path> configs = new ArrayList<>();
        try (DirectoryStream<Path> found = Files.newDirectoryStream(machines, "*.xml")) {
            found.forEach(configs::add);
        }
        if (configs.size() != 1) {
            throw new IOException("expected one configuration file in " + machines + ", found " + configs.size());
        }
        return configs.get(0);
    }

    private static GuestState readState(Path stateFile) throws IOException {
        Properties properties = new Properties();
        try (var in = Files.newInputStream(stateFile)) {
            properties.load(in);
        }
        try {
            return GuestState.valueOf(properties.getProperty("state", ""));
        } catch (IllegalArgumentException e) {
            throw new IOException("unreadable guest state in " + stateFile, e);
        }
    }

    private static byte[] stateBytes(GuestState state) {
        return ("state=" + state.name() + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "close failed", e);
        }
    }

    private static final class ActiveDiversion {
        final String snapshotId;
        final List<SimulatedDisk> disks;
        boolean merging;

        ActiveDiversion(String snapshotId, List<SimulatedDisk> disks) {
            this.snapshotId = snapshotId;
            this.disks = new ArrayList<>(disks);
        }
    }

    private final class Hold extends AbstractGuestHold {

        Hold(HoldMode mode, GuestState prior, boolean active) {
            super(mode, prior, !active);
        }

        @Override
        protected void resume() {
            synchronized (SimulatedGuest.this) {
                release(mode());
            }
        }
    }
}
