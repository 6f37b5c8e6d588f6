package io.stillpoint.guestfiles;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.stillpoint.config.StillpointConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The appliances of this node, one per restore point in use: started on a point's first use, in the
 * background, shared by every request on that point, stopped after {@code stillpoint.guest-files.idle}
 * without use, at most {@code stillpoint.guest-files.max-appliances} at once (an idle one makes room for a
 * new one), all stopped at shutdown. A request that finds its appliance starting is told so at once
 * ({@link ApplianceStartingException}) and never waits for a launch.
 *
 * <p>At start-up the appliances a crashed run of the server left are stopped ({@link ApplianceRecords}).
 */
@ApplicationScoped
public class AppliancePool {

    private static final Logger LOG = Logger.getLogger(AppliancePool.class);
    private static final Duration FIRST_LAUNCH_GUESS = Duration.ofSeconds(30);

    /** A point's appliance, starting or ready. */
    private static final class Slot {
        final CompletableFuture<Appliance> launch;
        final long startedNanos = System.nanoTime();

        Slot(CompletableFuture<Appliance> launch) {
            this.launch = launch;
        }
    }

    /** A claim on a ready appliance; released by {@link #close()}, after which it may be stopped when idle. */
    public static final class Lease implements AutoCloseable {
        private final Appliance appliance;
        private boolean closed;

        Lease(Appliance appliance) {
            this.appliance = appliance;
            appliance.acquire();
        }

        Appliance appliance() {
            return appliance;
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                appliance.release();
            }
        }
    }

    private final GuestFilesConfig config;
    private final Path work;
    private final ApplianceRecords records;
    private final Map<UUID, Slot> slots = new LinkedHashMap<>();
    private final ExecutorService launcher;
    private final ExecutorService transfers;
    private final ScheduledExecutorService sweeper;
    private volatile GuestFsBinding binding;
    private volatile Duration lastLaunch = FIRST_LAUNCH_GUESS;
    private boolean shutDown;

    AppliancePool(GuestFilesConfig config, StillpointConfig stillpoint) {
        this.config = config;
        this.work = stillpoint.home().resolve("guest-files");
        this.records = new ApplianceRecords(work.resolve("appliances"));
        this.launcher = Executors.newCachedThreadPool(daemon("guest-files-launch"));
        this.transfers = Executors.newCachedThreadPool(daemon("guest-files-transfer"));
        this.sweeper = Executors.newSingleThreadScheduledExecutor(daemon("guest-files-idle"));
        long tick = Math.max(200, Math.min(10_000, config.idle().toMillis() / 4));
        sweeper.scheduleWithFixedDelay(this::stopIdle, tick, tick, TimeUnit.MILLISECONDS);
    }

    void onStart(@Observes StartupEvent event) {
        int killed = records.recover();
        if (killed > 0) {
            LOG.infof("stopped %d guest file appliance(s) an earlier run of the server left running", killed);
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        List<Slot> all;
        synchronized (this) {
            shutDown = true;
            all = new ArrayList<>(slots.values());
            slots.clear();
        }
        sweeper.shutdownNow();
        for (Slot slot : all) {
            slot.launch.thenAccept(this::stop);
        }
        launcher.shutdown();
        transfers.shutdownNow();
    }

    /**
     * The ready appliance of {@code pointId}, or the start of one.
     *
     * @param disks the point's disks, asked for only when an appliance must start
     * @throws ApplianceStartingException while it starts
     * @throws AppliancesBusyException when the node runs as many appliances as it may, all in use
     * @throws GuestFsException when the appliance could not start (said once; the next request tries again)
     */
    public Lease lease(UUID pointId, Supplier<List<PointDisks.Disk>> disks) {
        Slot slot;
        synchronized (this) {
            if (shutDown) {
                throw new GuestFsException("the server is stopping");
            }
            slot = slots.get(pointId);
            if (slot == null) {
                List<PointDisks.Disk> toOpen = disks.get();
                checkRoomToLaunch(pointId);
                makeRoom();
                GuestFsBinding loaded = binding();
                slot = new Slot(CompletableFuture.supplyAsync(() -> launch(loaded, pointId, toOpen), launcher));
                slots.put(pointId, slot);
            }
            if (!slot.launch.isDone()) {
                long elapsed = Duration.ofNanos(System.nanoTime() - slot.startedNanos).toSeconds();
                throw new ApplianceStartingException(pointId, Math.max(1, lastLaunch.toSeconds() - elapsed));
            }
            if (slot.launch.isCompletedExceptionally()) {
                slots.remove(pointId);
            }
        }
        Appliance appliance;
        try {
            appliance = slot.launch.join();
        } catch (java.util.concurrent.CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof TooManyOpenFilesException tooMany) {
                throw tooMany;
            }
            throw cause instanceof GuestFsException g ? new GuestFsException("the appliance that reads restore point "
                    + pointId + " could not start: " + g.getMessage(), g) : e;
        }
        synchronized (this) {
            if (appliance.isClosed()) {
                slots.remove(pointId, slot);
                throw new ApplianceStartingException(pointId, 1);
            }
            return new Lease(appliance);
        }
    }

    /** Waits for the appliance of {@code pointId} to be ready (tests and benchmarks). */
    public void awaitReady(UUID pointId, Supplier<List<PointDisks.Disk>> disks, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            try (Lease lease = lease(pointId, disks)) {
                return;
            } catch (ApplianceStartingException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** The running or starting appliances' points, and each one's pid once running (0 while starting). */
    public synchronized Map<UUID, Integer> running() {
        Map<UUID, Integer> result = new LinkedHashMap<>();
        slots.forEach((id, slot) -> result.put(id, slot.launch.isDone() && !slot.launch.isCompletedExceptionally()
                ? slot.launch.join().pid() : 0));
        return result;
    }

    /** {@code stopped}, {@code starting} or {@code ready}: whether a call on the point would find its appliance. */
    public synchronized String status(UUID pointId) {
        Slot slot = slots.get(pointId);
        if (slot == null || slot.launch.isCompletedExceptionally()) {
            return "stopped";
        }
        return slot.launch.isDone() ? "ready" : "starting";
    }

    ExecutorService transfers() {
        return transfers;
    }

    Path fifoFolder() throws IOException {
        Path folder = work.resolve("pipes");
        if (!Files.isDirectory(folder)) {
            Files.createDirectories(folder.getParent());
            try {
                Files.createDirectory(folder, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // made by a concurrent request
            }
        }
        return folder;
    }

    /** Refuses before libguestfs runs a program whose pipes could lie past {@code FD_SETSIZE} (see {@link OpenFiles}). */
    private static void checkRoomToLaunch(UUID pointId) {
        try {
            OpenFiles.checkRoomToLaunch();
        } catch (TooManyOpenFilesException e) {
            LOG.errorf("no appliance started for restore point %s: the server has %d files open, over the %d below which"
                    + " libguestfs cannot abort it", pointId, e.open(), OpenFiles.FD_SETSIZE - OpenFiles.HEADROOM);
            throw e;
        }
    }

    private Appliance launch(GuestFsBinding loaded, UUID pointId, List<PointDisks.Disk> disks) {
        // Checked again here: the count may have grown while the launch waited for its thread.
        checkRoomToLaunch(pointId);
        Appliance appliance = Appliance.launch(loaded, config, pointId, disks, records);
        lastLaunch = appliance.launchTime();
        LOG.infof("appliance %d reads restore point %s; it started in %d ms", appliance.pid(), pointId,
                appliance.launchTime().toMillis());
        boolean stopNow;
        synchronized (this) {
            stopNow = shutDown;
        }
        if (stopNow) {
            stop(appliance);
        }
        return appliance;
    }

    private GuestFsBinding binding() {
        if (binding == null) {
            binding = GuestFsBinding.load(config.javaBindingFolder());
        }
        return binding;
    }

    /** Stops the longest-idle appliance when the node runs as many as it may; refuses when none is idle. */
    private void makeRoom() {
        slots.values().removeIf(slot -> slot.launch.isCompletedExceptionally());
        if (slots.size() < config.maxAppliances()) {
            return;
        }
        Optional<Map.Entry<UUID, Slot>> idlest = slots.entrySet().stream()
                .filter(e -> e.getValue().launch.isDone() && !e.getValue().launch.isCompletedExceptionally())
                .filter(e -> !e.getValue().launch.join().inUse())
                .min(Comparator.comparingLong(e -> e.getValue().launch.join().lastUsedNanos()));
        if (idlest.isEmpty()) {
            throw new AppliancesBusyException(config.maxAppliances());
        }
        slots.remove(idlest.get().getKey());
        idlest.get().getValue().launch.thenAccept(appliance -> {
            appliance.retire();
            stop(appliance);
        });
    }

    private void stopIdle() {
        List<Appliance> idle = new ArrayList<>();
        synchronized (this) {
            slots.entrySet().removeIf(e -> {
                CompletableFuture<Appliance> launch = e.getValue().launch;
                if (!launch.isDone() || launch.isCompletedExceptionally()) {
                    return false;
                }
                Appliance appliance = launch.join();
                if (appliance.idleLongerThan(config.idle())) {
                    appliance.retire();
                    idle.add(appliance);
                    return true;
                }
                return false;
            });
        }
        idle.forEach(this::stop);
    }

    private void stop(Appliance appliance) {
        try {
            appliance.close();
            LOG.infof("appliance %d of restore point %s stopped", appliance.pid(), appliance.pointId());
        } catch (RuntimeException e) {
            LOG.warnf("appliance %d of restore point %s did not stop cleanly: %s", appliance.pid(), appliance.pointId(),
                    e.getMessage());
        } finally {
            records.forget(appliance.pid());
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
