package io.stillpoint.host.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.fs.UntrustedExecutableException;
import io.stillpoint.host.AbstractGuestHold;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestNames;
import io.stillpoint.host.GuestState;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.HostException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * One registered QEMU guest: its QMP connection (opened lazily, reopened after QEMU restarts), its
 * process, and the holds. Lifecycle calls are serialised by one lock per guest.
 */
final class QemuGuest {

    /** The saved memory and device state of a SAVE_STATE hold, in the guest's folder so the view holds it. */
    static final String VMSTATE_FILE = "vmstate.bin";

    private static final System.Logger LOG = System.getLogger(QemuGuest.class.getName());
    private static final long MAX_MIGRATION_BANDWIDTH = 64L << 30;
    /** QEMU runs {@code exec:} migrations through the shell; a PATH lookup would run whatever the PATH holds. */
    private static final String CAT = "/bin/cat";
    /** The PATH a QEMU started by Stillpoint gets, whatever Stillpoint's own: only the system's folders. */
    private static final String SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final String hostName;
    private final QemuDeadlines deadlines;
    private final Path runDirectory;
    private final TrustedExecutables binaries;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile GuestRegistration registration;
    private volatile long pid;
    private QmpClient qmp;
    /** Counts starts and stops, guarded by {@link #lock}: a hold that sees none since it began needs no status check. */
    private long lifecycleChanges;

    QemuGuest(String hostName, QemuDeadlines deadlines, Path runDirectory, TrustedExecutables binaries,
            GuestRegistration registration, long pid) {
        this.hostName = hostName;
        this.deadlines = deadlines;
        this.runDirectory = runDirectory;
        this.binaries = binaries;
        this.registration = registration;
        this.pid = pid;
    }

    GuestRegistration registration() {
        return registration;
    }

    /** Takes a registration that now records the guest's vetted executable. */
    void update(GuestRegistration vetted) {
        registration = vetted;
    }

    long pid() {
        return currentPid();
    }

    String name() {
        return registration.name();
    }

    Path vmstate() {
        return registration.directoryPath().resolve(VMSTATE_FILE);
    }

    /**
     * A registered agent socket alone quiesces nothing: a running guest can quiesce once an agent in it has
     * opened its end of the channel, which QEMU reports as the socket's {@code frontend-open}.
     */
    GuestInfo info() {
        GuestRegistration r = registration;
        GuestState state = state();
        String note;
        boolean canQuiesce;
        if (r.agentSocket() == null) {
            note = "no guest agent socket is registered";
            canQuiesce = false;
        } else if (state != GuestState.RUNNING) {
            note = "a guest agent socket is registered; whether an agent has opened it shows once the guest runs";
            canQuiesce = true;
        } else {
            Optional<Boolean> open = agentChannelOpen(r.agentSocket());
            canQuiesce = open.orElse(false);
            if (open.isEmpty()) {
                note = "the registered guest agent socket " + r.agentSocket() + " is none of QEMU's character devices";
            } else if (canQuiesce) {
                note = "a guest agent has opened its channel";
            } else {
                note = "a guest agent socket is registered, but no agent in the guest has opened its channel (is"
                        + " qemu-guest-agent running in the guest?)";
            }
        }
        return new GuestInfo(r.name(), r.name(), state, canQuiesce, r.memoryBytes(), "unknown", r.directoryPath(),
                r.diskPaths(), null, note);
    }

    /** Whether the guest has opened its end of the character device QEMU serves on {@code socket}; empty if none does. */
    private Optional<Boolean> agentChannelOpen(String socket) {
        for (JsonNode chardev : execute("query-chardev", null)) {
            // QEMU names a listening socket "unix:<path>,server=on", prefixed "disconnected:" while no one is connected.
            if (chardev.path("filename").asText().contains("unix:" + socket + ",")) {
                return Optional.of(chardev.path("frontend-open").asBoolean(false));
            }
        }
        return Optional.empty();
    }

    boolean alive() {
        return running(currentPid());
    }

    /**
     * Whether the process exists and is not a zombie. A daemonized QEMU's parent is init, which may reap
     * it only seconds after it exited; until then the kernel (and {@link ProcessHandle#isAlive()}) still
     * lists it.
     */
    static boolean running(long pid) {
        if (pid <= 0) {
            return false;
        }
        // The group leader turns zombie first; the other threads, and the image locks they hold, go a moment later.
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return tasks.anyMatch(task -> {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    char state = stat.charAt(stat.lastIndexOf(')') + 2);
                    return state != 'Z' && state != 'X';
                } catch (IOException | IndexOutOfBoundsException e) {
                    return false;
                }
            });
        } catch (IOException | java.io.UncheckedIOException e) {
            return false;
        }
    }

    /** The guest's QMP connection, connecting (again) if needed; a killed QEMU's socket may linger a moment. */
    synchronized QmpClient qmp() {
        if (!alive()) {
            closeQmp();
            throw new HostException("guest '" + name() + "' on host '" + hostName + "' is not running (no QEMU process)");
        }
        if (qmp == null || !qmp.isOpen()) {
            qmp = QmpClient.connect(Path.of(registration.qmpSocket()), deadlines.command());
        }
        return qmp;
    }

    JsonNode execute(String command, Map<String, ?> arguments) {
        return qmp().execute(command, arguments, deadlines.command());
    }

    GuestState state() {
        if (!alive()) {
            return Files.exists(vmstate()) ? GuestState.SAVED : GuestState.OFF;
        }
        String status = execute("query-status", null).path("status").asText();
        return switch (status) {
            case "running" -> GuestState.RUNNING;
            case "postmigrate" -> GuestState.SAVED;
            case "shutdown" -> GuestState.OFF;
            default -> GuestState.PAUSED;
        };
    }

    QemuGuestHold hold(HoldMode mode, QgaClient agent) {
        lock.lock();
        try {
            GuestState prior = state();
            if (prior != GuestState.RUNNING) {
                return new Hold(mode, prior, () -> { });
            }
            return switch (mode) {
                case PAUSE -> pause();
                case SAVE_STATE -> saveState();
                case FREEZE -> freeze(agent);
                case STOP -> {
                    // A guest Stillpoint could not start again must not be stopped for a backup.
                    executable();
                    stop();
                    yield new Hold(mode, prior, this::start);
                }
            };
        } finally {
            lock.unlock();
        }
    }

    void start() {
        lock.lock();
        try {
            lifecycleChanges++;
            switch (state()) {
                case RUNNING -> { }
                case PAUSED -> resume();
                case SAVED -> {
                    if (alive()) {
                        resume();
                    } else {
                        launch(true);
                        restoreMemory();
                        resume();
                    }
                    Files.deleteIfExists(vmstate());
                }
                case OFF -> {
                    executable();
                    if (alive()) {
                        quit();
                    }
                    launch(false);
                }
            }
        } catch (IOException e) {
            throw new HostException("guest '" + name() + "' runs, but its saved state " + vmstate()
                    + " could not be removed: " + e.getMessage(), false, e);
        } finally {
            lock.unlock();
        }
    }

    /** Clean shutdown when the guest runs (ACPI power button, then {@code quit} after the deadline). */
    void stop() {
        lock.lock();
        try {
            lifecycleChanges++;
            if (alive()) {
                if (state() == GuestState.RUNNING) {
                    powerdown();
                }
                if (alive()) {
                    quit();
                }
            }
            Files.deleteIfExists(vmstate());
        } catch (IOException e) {
            throw new HostException("guest '" + name() + "' is off, but its saved state " + vmstate()
                    + " could not be removed: " + e.getMessage(), false, e);
        } finally {
            lock.unlock();
        }
    }

    /** Ends QEMU at once, without asking the guest to shut down: for a guest that is to be thrown away. */
    void quitNow() {
        lock.lock();
        try {
            lifecycleChanges++;
            if (alive()) {
                quit();
            }
        } finally {
            lock.unlock();
        }
    }

    /** For a restore in place: the folder now holds other files; the registration still names them. */
    void reload() {
        lock.lock();
        try {
            if (alive()) {
                throw new HostException("guest '" + name() + "' is " + state() + "; only an OFF guest can be reloaded");
            }
            for (Path disk : registration.diskPaths()) {
                if (!Files.isRegularFile(disk)) {
                    throw new HostException("guest '" + name() + "' cannot be reloaded: its disk " + disk
                            + " is missing from the restored folder");
                }
            }
            closeQmp();
        } finally {
            lock.unlock();
        }
    }

    void closeQmp() {
        synchronized (this) {
            if (qmp != null) {
                qmp.close();
                qmp = null;
            }
        }
    }

    private Hold pause() {
        QmpClient client = qmp();
        long mark = client.mark();
        long sent = System.nanoTime();
        client.execute("stop", null, deadlines.command());
        QmpEvent stopped = client.awaitEvent(mark, e -> e.name().equals("STOP"), "STOP event", deadlines.command());
        Hold hold = new Hold(HoldMode.PAUSE, GuestState.RUNNING, null);
        long changes = lifecycleChanges;
        // Inside the pause window every QMP round trip counts: ask for the status only if someone started
        // or stopped the guest meanwhile.
        hold.onClose = () -> {
            if (alive() && (lifecycleChanges == changes || state() == GuestState.PAUSED)) {
                hold.window = resumeTimed(stopped, sent);
            }
        };
        return hold;
    }

    private Hold saveState() {
        QmpClient client = qmp();
        Path target = vmstate();
        String quoted = shellQuoted(target);
        client.execute("migrate-set-capabilities", Map.of("capabilities",
                List.of(Map.of("capability", "events", "state", true))), deadlines.command());
        // QEMU's default cap of 128 MiB/s would make the guest wait many times longer than the disk needs.
        client.execute("migrate-set-parameters", Map.of("max-bandwidth", MAX_MIGRATION_BANDWIDTH), deadlines.command());
        long mark = client.mark();
        long sent = System.nanoTime();
        client.execute("stop", null, deadlines.command());
        QmpEvent stopped = client.awaitEvent(mark, e -> e.name().equals("STOP"), "STOP event", deadlines.command());
        try {
            client.execute("migrate", Map.of("uri", "exec:" + CAT + " > " + quoted), deadlines.command());
            QmpEvent done = client.awaitEvent(mark, e -> e.name().equals("MIGRATION")
                    && (e.text("status").equals("completed") || e.text("status").equals("failed")
                            || e.text("status").equals("cancelled")), "end of the memory save", deadlines.job());
            if (!done.text("status").equals("completed")) {
                throw new HostException("saving the memory of guest '" + name() + "' to " + target + " "
                        + done.text("status"));
            }
            awaitStatus("postmigrate"::equals, "postmigrate");
        } catch (RuntimeException e) {
            try {
                resumeTimed(stopped, sent);
                Files.deleteIfExists(target);
            } catch (IOException | RuntimeException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
        Hold hold = new Hold(HoldMode.SAVE_STATE, GuestState.RUNNING, null);
        hold.onClose = () -> {
            if (alive() && state() == GuestState.SAVED) {
                hold.window = resumeTimed(stopped, sent);
                try {
                    Files.deleteIfExists(target);
                } catch (IOException e) {
                    throw new HostException("guest '" + name() + "' runs again, but " + target
                            + " could not be removed: " + e.getMessage(), false, e);
                }
            } else {
                start();
            }
        };
        return hold;
    }

    private Hold freeze(QgaClient agent) {
        if (agent == null) {
            throw new HostException("guest '" + name() + "' cannot quiesce itself: no guest agent socket is registered");
        }
        try {
            agent.call("guest-ping", deadlines.agentPing());
        } catch (HostException e) {
            throw new HostException("guest '" + name() + "' cannot quiesce itself: its guest agent did not answer: "
                    + e.getMessage(), true, e);
        }
        Path marker = frozenMarker();
        if (Files.exists(marker)) {
            // A hold of Stillpoint's whose thaw was never confirmed: that freeze is its own to undo first.
            thaw(agent);
        }
        try {
            Files.createDirectories(runDirectory);
            Files.writeString(marker, "frozen by Stillpoint; thawed when the host opens next if still here\n");
        } catch (IOException e) {
            throw new HostException("guest '" + name() + "' not frozen: cannot record the freeze in " + marker + ": "
                    + e.getMessage(), false, e);
        }
        long frozen;
        try {
            frozen = agent.call("guest-fsfreeze-freeze", deadlines.freeze()).asLong();
        } catch (QmpException refused) {
            if (!refused.errorClass().equals("CommandNotFound")) {
                throw thawAfterFailedFreeze(agent, refused);
            }
            // The agent did not run the freeze at all: qemu-ga disables it while the guest is frozen already,
            // by another tool whose freeze is not Stillpoint's to thaw (or by an admin's -b list).
            forgetFreeze(marker);
            throw new HostException("guest '" + name() + "' cannot quiesce itself now: its guest agent refused to"
                    + " freeze (" + refused.getMessage() + "); if its file systems are frozen already, that freeze is"
                    + " someone else's and Stillpoint leaves it alone; use pause, save-state or stop", true, refused);
        } catch (RuntimeException e) {
            throw thawAfterFailedFreeze(agent, e);
        }
        if (frozen == 0) {
            // Nothing frozen is nothing quiesced: the point would claim a consistency it does not have.
            thaw(agent);
            throw new HostException("guest '" + name() + "' cannot quiesce itself: its guest agent froze no file"
                    + " system; use pause, save-state or stop");
        }
        return new Hold(HoldMode.FREEZE, GuestState.RUNNING, () -> thaw(agent));
    }

    /** A freeze that timed out may still complete in the guest; a guest left frozen is the worst outcome. */
    private HostException thawAfterFailedFreeze(QgaClient agent, RuntimeException e) {
        try {
            thaw(agent);
        } catch (RuntimeException thawFailed) {
            e.addSuppressed(thawFailed);
        }
        return new HostException("freezing the file systems of guest '" + name() + "' failed, thawed again: "
                + e.getMessage(), true, e);
    }

    /** Thaws, and forgets the freeze only once the agent confirmed the thaw. */
    void thaw(QgaClient agent) {
        agent.call("guest-fsfreeze-thaw", deadlines.freeze());
        forgetFreeze(frozenMarker());
    }

    private void forgetFreeze(Path marker) {
        try {
            Files.deleteIfExists(marker);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "guest '" + name() + "' is not frozen by Stillpoint, but " + marker
                    + " could not be removed: " + e.getMessage());
        }
    }

    /** Present from before a freeze until its thaw: a process that died in between left the guest frozen. */
    Path frozenMarker() {
        return runDirectory.resolve(GuestNames.fileName(name()) + ".frozen");
    }

    /** QEMU reports a migration completed a moment before its run state says so, and refuses cont until then. */
    private void awaitStatus(Predicate<String> reached, String status) {
        long until = System.nanoTime() + deadlines.command().toNanos();
        while (!reached.test(execute("query-status", null).path("status").asText())) {
            if (System.nanoTime() > until) {
                throw new HostException("guest '" + name() + "' did not reach run state " + status + " within "
                        + deadlines.command().toMillis() + " ms");
            }
            try {
                TimeUnit.MILLISECONDS.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HostException("interrupted while waiting for guest '" + name() + "'", true, e);
            }
        }
    }

    private PauseWindow resumeTimed(QmpEvent stopped, long sentNanos) {
        QmpClient client = qmp();
        long mark = client.mark();
        client.execute("cont", null, deadlines.command());
        long measured = System.nanoTime() - sentNanos;
        QmpEvent resumed = client.awaitEvent(mark, e -> e.name().equals("RESUME"), "RESUME event", deadlines.command());
        return new PauseWindow(stopped.timestamp(), resumed.timestamp(), measured);
    }

    private void resume() {
        QmpClient client = qmp();
        long mark = client.mark();
        client.execute("cont", null, deadlines.command());
        client.awaitEvent(mark, e -> e.name().equals("RESUME"), "RESUME event", deadlines.command());
    }

    private void powerdown() {
        QmpClient client = qmp();
        long mark = client.mark();
        client.execute("system_powerdown", null, deadlines.command());
        try {
            client.awaitEvent(mark, e -> e.name().equals("SHUTDOWN"), "SHUTDOWN event", deadlines.powerdown());
        } catch (HostException e) {
            LOG.log(System.Logger.Level.INFO, "guest '" + name() + "' did not shut down within "
                    + deadlines.powerdown().toMillis() + " ms of the power button; quitting QEMU");
        }
    }

    private void quit() {
        long current = currentPid();
        try {
            qmp().execute("quit", null, deadlines.command());
        } catch (HostException e) {
            LOG.log(System.Logger.Level.DEBUG, "quit of guest '" + name() + "': " + e.getMessage());
        }
        closeQmp();
        if (!awaitExit(current, deadlines.command())) {
            LOG.log(System.Logger.Level.WARNING, "QEMU of guest '" + name() + "' (pid " + current
                    + ") did not quit; killing it");
            ProcessHandle.of(current).ifPresent(ProcessHandle::destroyForcibly);
            if (!awaitExit(current, deadlines.command())) {
                throw new HostException("QEMU of guest '" + name() + "' (pid " + current + ") does not exit");
            }
        }
    }

    private static boolean awaitExit(long pid, Duration deadline) {
        long until = System.nanoTime() + deadline.toNanos();
        while (running(pid)) {
            if (System.nanoTime() > until) {
                return false;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !running(pid);
            }
        }
        return true;
    }

    private void restoreMemory() {
        QmpClient client = qmp();
        client.execute("migrate-set-capabilities", Map.of("capabilities",
                List.of(Map.of("capability", "events", "state", true))), deadlines.command());
        long mark = client.mark();
        client.execute("migrate-incoming", Map.of("uri", "exec:" + CAT + " " + shellQuoted(vmstate())),
                deadlines.command());
        QmpEvent done = client.awaitEvent(mark, e -> e.name().equals("MIGRATION")
                && (e.text("status").equals("completed") || e.text("status").equals("failed")),
                "end of the memory restore", deadlines.job());
        if (!done.text("status").equals("completed")) {
            throw new HostException("restoring the memory of guest '" + name() + "' from " + vmstate() + " failed");
        }
        awaitStatus(s -> !s.equals("inmigrate") && !s.equals("finish-migrate"), "paused");
    }

    /**
     * The vetted executable that starts the guest, checked again now: still on the allow-list, still
     * changeable by root alone, and Stillpoint still runs as the user who registered the guest.
     */
    private Path executable() {
        GuestRegistration r = registration;
        if (r.binary() == null) {
            throw new HostException("guest '" + name() + "' on host '" + hostName + "' was registered before Stillpoint"
                    + " checked QEMU executables, and its QEMU has not been seen running an allowed one since; start it"
                    + " by hand, and Stillpoint records its executable at the next backup");
        }
        long own = TrustedExecutables.ownUid();
        if (r.ownerUid() == null || r.ownerUid() != own) {
            throw new HostException("guest '" + name() + "' was registered running as uid " + r.ownerUid()
                    + "; Stillpoint now runs as uid " + own + " and does not start it");
        }
        try {
            return binaries.vet(r.binary());
        } catch (UntrustedExecutableException e) {
            throw new HostException("guest '" + name() + "' on host '" + hostName + "' is not started: its QEMU "
                    + e.getMessage());
        }
    }

    /**
     * Starts QEMU from the registered command line with the vetted executable, never the command line's
     * own first word; with {@code incoming} it waits for a saved state.
     */
    private void launch(boolean incoming) {
        Path executable = executable();
        closeQmp();
        Map<Integer, Path> overlays = overlays();
        if (incoming && !overlays.isEmpty()) {
            throw new HostException("guest '" + name() + "' cannot resume its saved state: its disks have Stillpoint"
                    + " overlays " + overlays.values() + " that are not merged yet");
        }
        List<String> argv = new ArrayList<>();
        argv.add(executable.toString());
        List<String> registered = registration.commandLine();
        for (int i = 1; i < registered.size(); i++) {
            if (registered.get(i).equals("-incoming") && i + 1 < registered.size()) {
                i++;
            } else {
                argv.add(registered.get(i));
            }
        }
        if (incoming) {
            argv.add("-incoming");
            argv.add("defer");
        }
        boolean holdBack = !overlays.isEmpty() && !argv.contains("-S");
        if (holdBack) {
            argv.add("-S");
        }
        boolean daemonizes = argv.contains("-daemonize");
        Path log = runDirectory.resolve(GuestNames.fileName(name()) + ".log");
        Process process;
        try {
            Files.createDirectories(runDirectory);
            if (registration.pidFile() != null) {
                Files.deleteIfExists(Path.of(registration.pidFile()));
            }
            ProcessBuilder builder = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().put("PATH", SYSTEM_PATH);
            process = builder.start();
        } catch (IOException e) {
            throw new HostException("starting QEMU for guest '" + name() + "' failed: " + e.getMessage(), false, e);
        }
        long until = System.nanoTime() + deadlines.command().toNanos();
        try {
            if (daemonizes) {
                if (!process.waitFor(deadlines.command().toMillis(), TimeUnit.MILLISECONDS) || process.exitValue() != 0) {
                    process.destroyForcibly();
                    throw new HostException("QEMU for guest '" + name() + "' did not start: " + tail(log));
                }
                pid = registration.pidFile() != null ? readPid()
                        : QemuHypervisor.findPid(Path.of(registration.qmpSocket()));
            } else {
                pid = process.pid();
            }
            while (true) {
                try {
                    qmp();
                    break;
                } catch (HostException e) {
                    if (!alive() || System.nanoTime() > until) {
                        throw new HostException("QEMU for guest '" + name() + "' did not come up: " + e.getMessage()
                                + "; " + tail(log), true, e);
                    }
                    TimeUnit.MILLISECONDS.sleep(20);
                }
            }
            attach(overlays);
            if (holdBack) {
                resume();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostException("interrupted while starting guest '" + name() + "'", true, e);
        }
    }

    /**
     * Stillpoint's overlays beside the disks, by disk index. The registered command line opens the disks
     * without them; they hold the guest's writes since a snapshot, so the guest must start on top of them.
     */
    private Map<Integer, Path> overlays() {
        Map<Integer, Path> found = new TreeMap<>();
        List<Path> disks = registration.diskPaths();
        try {
            for (int i = 0; i < disks.size(); i++) {
                List<Path> files = QemuHypervisor.overlayFiles(disks.get(i));
                if (files.size() > 1) {
                    throw new HostException("guest '" + name() + "' cannot start: disk " + disks.get(i)
                            + " has several Stillpoint overlays " + files + "; the qemu writer's recovery merges them");
                }
                if (!files.isEmpty()) {
                    found.put(i, files.get(0));
                }
            }
        } catch (IOException e) {
            throw new HostException("guest '" + name() + "' cannot start: " + e.getMessage(), false, e);
        }
        return found;
    }

    private void attach(Map<Integer, Path> overlays) {
        for (Map.Entry<Integer, Path> overlay : overlays.entrySet()) {
            String id = QemuHypervisor.overlayId(overlay.getValue()).orElseThrow();
            String node = QemuHypervisor.overlayNode(id, overlay.getKey());
            Map<String, Object> add = new LinkedHashMap<>();
            add.put("driver", "qcow2");
            add.put("node-name", node);
            add.put("file", Map.of("driver", "file", "filename", overlay.getValue().toString()));
            add.put("backing", null);
            execute("blockdev-add", add);
            execute("blockdev-snapshot", Map.of("node", registration.disks().get(overlay.getKey()).node(),
                    "overlay", node));
        }
    }

    /**
     * The guest's QEMU, or -1. A pid (from a pid file, or one remembered while its process may have gone
     * and the number been reused) counts only for a process that runs the guest's executable as
     * Stillpoint's user: whoever can write the pid file must not make Stillpoint signal another process.
     */
    private long currentPid() {
        if (registration.pidFile() != null) {
            long fromFile = readPid();
            if (fromFile > 0) {
                pid = fromFile;
            }
        }
        return isOurQemu(pid) ? pid : -1;
    }

    private boolean isOurQemu(long candidate) {
        GuestRegistration r = registration;
        return QemuProcess.of(candidate).filter(p -> p.runsAs(TrustedExecutables.ownUid()))
                .filter(p -> r.binary() == null || p.executable().equals(r.binary()))
                .isPresent();
    }

    private long readPid() {
        try {
            return Long.parseLong(Files.readString(Path.of(registration.pidFile())).trim());
        } catch (IOException | NumberFormatException | NullPointerException e) {
            return -1;
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return "QEMU said: " + String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "no QEMU log at " + log;
        }
    }

    static String shellQuoted(Path path) {
        String text = path.toString();
        if (text.contains("'")) {
            throw new HostException("path " + text + " contains a single quote, which QEMU's exec: migration cannot take");
        }
        return "'" + text + "'";
    }

    /** Runs in the caller's thread; idempotent. */
    @FunctionalInterface
    interface Undo {
        void run();
    }

    final class Hold extends AbstractGuestHold implements QemuGuestHold {
        private volatile Undo onClose;
        private volatile PauseWindow window;

        Hold(HoldMode mode, GuestState prior, Undo onClose) {
            super(mode, prior, prior != GuestState.RUNNING);
            this.onClose = onClose;
        }

        @Override
        public synchronized Optional<PauseWindow> pauseWindow() {
            return Optional.ofNullable(window);
        }

        @Override
        protected void resume() {
            lock.lock();
            try {
                onClose.run();
                if (mode() != HoldMode.FREEZE && state() != GuestState.RUNNING) {
                    start();
                }
            } finally {
                lock.unlock();
            }
        }
    }
}
