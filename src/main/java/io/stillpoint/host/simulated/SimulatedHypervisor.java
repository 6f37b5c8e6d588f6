package io.stillpoint.host.simulated;

import io.stillpoint.host.GuestHold;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestNames;
import io.stillpoint.host.GuestNotFoundException;
import io.stillpoint.host.GuestSpec;
import io.stillpoint.host.GuestState;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.HostCapabilities;
import io.stillpoint.host.HostException;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.InvalidGuestSpecException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A hypervisor whose guests are folders under {@link #root()}, laid out as Hyper-V lays out a VM, and
 * whose running guests keep writing sequence-numbered, checksummed blocks to their disks (see {@link
 * SimulatedDisks}). Its state lives in those folders only, so a new instance on the same root is the same
 * host after a restart, crash included: running guests go on writing from what they find on their disks.
 *
 * <p>Beyond the SPI it offers what the simulated writer needs ({@link #divert}, {@link #merge}) and what
 * tests need ({@link #currentSequences}, {@link #failNext}, {@link #writeGuestData}). It records which
 * blocks each guest writes, in generations that its snapshots hand over ({@link Diversion#writes()}); the
 * record is kept in {@code <root>/.tracking/} and survives a clean close only.
 */
public final class SimulatedHypervisor implements Hypervisor {

    public static final String KIND = "simulated";
    /** The writer's snapshot views live here; hidden, so never taken for a guest. */
    public static final String SNAPSHOTS_DIR = ".snapshots";
    /** A differencing disk's extension, as Hyper-V names them: {@code <disk>_<snapshot id>.avhdx}. */
    public static final String DIFFERENCING_DISK_EXTENSION = ".avhdx";

    /** A guest's previous folder kept by an in-place restore ({@code keepPrevious}): a copy, not a guest. */
    static final String KEPT_BY_RESTORE = ".before-restore-";

    private static final System.Logger LOG = System.getLogger(SimulatedHypervisor.class.getName());
    private static final HostCapabilities CAPABILITIES = new HostCapabilities(true, true, true, true, true);

    /** Runs on a simulated guest's folder while the guest is held still by its lock. */
    @FunctionalInterface
    public interface GuestFolderAction {
        void run(Path guestDirectory) throws IOException;
    }

    private final String name;
    private final Path root;
    private final int blocksPerTick;
    private final Map<String, SimulatedGuest> guests = new ConcurrentHashMap<>();
    private final ScheduledExecutorService clock;

    /**
     * Opens the host on {@code root}, settling what a crash may have left (half-created guests, merged
     * differencing disks), and starts the guests' I/O.
     */
    public SimulatedHypervisor(String name, Path root, long writeIntervalMillis, int blocksPerTick) throws IOException {
        this.name = Objects.requireNonNull(name, "name");
        this.root = Files.createDirectories(root);
        this.blocksPerTick = blocksPerTick;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path entry : entries) {
                String fileName = entry.getFileName().toString();
                if (fileName.startsWith(SimulatedGuest.CREATING)) {
                    SimulatedGuest.removeHalfCreated(name, root, fileName);
                } else if (Files.isDirectory(entry) && !fileName.startsWith(".") && !fileName.contains(KEPT_BY_RESTORE)) {
                    openOrSkip(entry);
                }
            }
        }
        this.clock = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "simulated-host-" + name);
            thread.setDaemon(true);
            return thread;
        });
        clock.scheduleWithFixedDelay(this::tick, writeIntervalMillis, writeIntervalMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public String name() {
        return name;
    }

    public Path root() {
        return root;
    }

    @Override
    public HostCapabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public List<GuestInfo> guests() {
        return guests.values().stream()
                .map(SimulatedGuest::info)
                .sorted(Comparator.comparing(GuestInfo::name))
                .toList();
    }

    @Override
    public GuestInfo guest(String ref) {
        return find(ref).info();
    }

    @Override
    public GuestInfo create(GuestSpec spec) {
        validate(spec);
        synchronized (guests) {
            if (guests.values().stream().anyMatch(g -> g.name().equalsIgnoreCase(spec.name()))
                    || Files.exists(root.resolve(GuestNames.fileName(spec.name())))) {
                throw new InvalidGuestSpecException("name", "a guest named '" + spec.name() + "' already exists");
            }
            String id = UUID.randomUUID().toString().toUpperCase(Locale.ROOT);
            try {
                return open(SimulatedGuest.create(root, spec, id)).info();
            } catch (IOException e) {
                throw new HostException("creating guest '" + spec.name() + "' on host '" + name + "' failed: "
                        + e.getMessage(), false, e);
            }
        }
    }

    @Override
    public GuestHold hold(String ref, HoldMode mode) {
        return find(ref).hold(Objects.requireNonNull(mode, "mode"));
    }

    @Override
    public void start(String ref) {
        find(ref).start();
    }

    @Override
    public void stop(String ref) {
        find(ref).stop();
    }

    @Override
    public void reload(String ref) {
        SimulatedGuest stale = find(ref);
        GuestInfo info = stale.info();
        if (info.state() != GuestState.OFF) {
            throw new HostException("guest '" + info.name() + "' is " + info.state() + "; only an OFF guest can be reloaded");
        }
        stale.close();
        try {
            SimulatedGuest fresh = SimulatedGuest.load(name, root, info.directory());
            fresh.loseTracking("tracking lost: the guest's files were replaced (reloaded after a restore)");
            fresh.settleAfterRestore();
            guests.put(fresh.id(), fresh);
        } catch (IOException e) {
            guests.remove(ref);
            throw new HostException("guest '" + info.name() + "' could not be reloaded from " + info.directory() + ": "
                    + e.getMessage(), false, e);
        }
    }

    /** {@code <root>/<file name>}: the guest's name made safe as a folder name (see {@link GuestNames}). */
    @Override
    public Path newGuestDirectory(String guestName) {
        GuestNames.check("name", guestName);
        Path directory = root.resolve(GuestNames.fileName(guestName));
        if (Files.exists(directory) || guests.values().stream().anyMatch(g -> g.name().equalsIgnoreCase(guestName))) {
            throw new InvalidGuestSpecException("name", "a guest named '" + guestName + "' already exists");
        }
        return directory;
    }

    @Override
    public GuestInfo importGuest(Path directory, String guestName) {
        GuestNames.check("name", guestName);
        if (!directory.equals(root.resolve(GuestNames.fileName(guestName)))) {
            throw new HostException("a new guest '" + guestName + "' must be at "
                    + root.resolve(GuestNames.fileName(guestName)));
        }
        String id = UUID.randomUUID().toString().toUpperCase(Locale.ROOT);
        synchronized (guests) {
            try {
                SimulatedGuest.adopt(directory, guestName, id);
                SimulatedGuest guest = open(directory);
                guest.settleAfterRestore();
                return guest.info();
            } catch (IOException | RuntimeException e) {
                throw new HostException("registering the restored guest '" + guestName + "' on host '" + name
                        + "' failed: " + e.getMessage(), false, e);
            }
        }
    }

    /** Per disk file name, the sequence number of the guest's last write (0 before its first). */
    public Map<String, Long> currentSequences(String ref) {
        return find(ref).sequences();
    }

    /**
     * Writes {@code data} at {@code offset} of the guest's disk {@code diskFileName} as the guest itself
     * would, tracked like its own writes; while a snapshot is held the write goes to the differencing disk.
     * Works whether the guest is RUNNING, PAUSED or OFF, not while it is SAVED.
     */
    public void writeGuestData(String ref, String diskFileName, long offset, byte[] data) {
        find(ref).writeGuestData(diskFileName, offset, data);
    }

    /** Makes the next {@code operation} on the guest throw a transient {@link HostException}, changing nothing. */
    public void failNext(String ref, SimulatedOperation operation) {
        find(ref).failNext(operation);
    }

    /**
     * Switches the guest's writes to a new differencing disk {@code <disk>_<snapshotId>.avhdx} beside each
     * disk, then runs {@code whileStill} on the guest's folder before the guest writes again. If {@code
     * whileStill} fails, the switch is undone.
     *
     * @throws HostException if the guest already writes to differencing disks
     */
    public Diversion divert(String ref, String snapshotId, GuestFolderAction whileStill) throws IOException {
        return find(ref).divert(snapshotId, whileStill);
    }

    /** Merges the differencing disks of {@code snapshotId} back; the guest loses no write. Idempotent. */
    public void merge(String ref, String snapshotId) throws IOException {
        find(ref).merge(snapshotId);
    }

    /** Merges whatever differencing disks the guest writes to. */
    public void mergeAny(String ref) throws IOException {
        find(ref).mergeAny();
    }

    /**
     * Stops the guests' I/O and closes their files. Guests keep their persisted state: a running guest
     * runs again when the host is opened next, as a VM outlives a restart of its management service.
     */
    @Override
    public void close() {
        clock.shutdown();
        try {
            if (!clock.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "simulated host '" + name + "': guest I/O did not stop in time");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        guests.values().forEach(SimulatedGuest::close);
    }

    /** One unreadable folder must not hide the other guests, as Hyper-V lists the VMs it can read. */
    private void openOrSkip(Path directory) {
        try {
            open(directory);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "simulated host '" + name + "': skipping " + directory + ": "
                    + e.getMessage(), e);
        }
    }

    private SimulatedGuest open(Path directory) throws IOException {
        SimulatedGuest guest = SimulatedGuest.load(name, root, directory);
        guests.put(guest.id(), guest);
        return guest;
    }

    private SimulatedGuest find(String ref) {
        SimulatedGuest guest = ref == null ? null : guests.get(ref);
        if (guest == null) {
            throw new GuestNotFoundException(name, ref);
        }
        return guest;
    }

    /** A guest's failure must not stop the others: the scheduler drops a task that throws. */
    private void tick() {
        for (SimulatedGuest guest : guests.values()) {
            try {
                guest.tick(blocksPerTick);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "simulated guest '" + guest.name() + "' failed to write", e);
            }
        }
    }

    private static void validate(GuestSpec spec) {
        GuestNames.check("name", spec.name());
        if (spec.diskSizesBytes().isEmpty()) {
            throw new InvalidGuestSpecException("diskSizesBytes", "a guest needs at least one disk");
        }
        for (long size : spec.diskSizesBytes()) {
            if (size < SimulatedDisks.MIN_DISK_BYTES || size % SimulatedDisks.BLOCK_SIZE != 0) {
                throw new InvalidGuestSpecException("diskSizesBytes", "each disk must be at least "
                        + SimulatedDisks.MIN_DISK_BYTES + " bytes and a multiple of " + SimulatedDisks.BLOCK_SIZE
                        + ", got " + size);
            }
        }
        if (spec.memoryBytes() < 4096) {
            throw new InvalidGuestSpecException("memoryBytes", "must be at least 4096, got " + spec.memoryBytes());
        }
        if (spec.guestOs() == null || spec.guestOs().isBlank()) {
            throw new InvalidGuestSpecException("guestOs", "must not be blank");
        }
    }

}
