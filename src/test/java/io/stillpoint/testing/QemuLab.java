package io.stillpoint.testing;

import static org.awaitility.Awaitility.await;

import io.stillpoint.host.qemu.QemuHypervisor;
import io.stillpoint.host.qemu.QgaClient;
import io.stillpoint.host.qemu.QmpClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Starts real {@code qemu-system-x86_64} guests for tests: disk-only q35 machines (SeaBIOS finds nothing
 * to boot and idles), KVM where usable and TCG otherwise, qcow2 disks made by {@code qemu-img}; or, with
 * {@link #boot}, a real Linux guest with its guest agent. Each guest
 * has two QMP sockets: one for Stillpoint, one for the test, which writes to the guest's disks through
 * QEMU's block layer ({@code qemu-io} on the disk's device, so writes follow the active layer as a guest's
 * would). {@link #close()} kills every QEMU it or Stillpoint started, by pid; a JVM killed before it could
 * close its labs leaves them to the {@link JvmReaper}.
 */
public final class QemuLab implements AutoCloseable {

    public static final Duration PATIENCE = Duration.ofSeconds(20);

    private final Path root;
    private final Path run;
    private final Map<String, QmpClient> testMonitors = new ConcurrentHashMap<>();
    private final List<Path> unmanaged = new java.util.concurrent.CopyOnWriteArrayList<>();

    public QemuLab(Path root) throws IOException {
        this.root = root;
        this.run = Files.createDirectories(root.resolve("run"));
        Files.createDirectories(root.resolve("vms"));
        // Command lines name the folder as the test gave it; the real path too, in case that went through a link.
        reapWithThisJvm(root.toAbsolutePath().normalize());
        reapWithThisJvm(root.toRealPath());
    }

    /** Kills, once the JVM has ended, whatever still names {@code folder}: only this lab's guests do. */
    private static void reapWithThisJvm(Path folder) throws IOException {
        JvmReaper.atDeath("pkill -KILL -f -- " + JvmReaper.quoted(JvmReaper.extendedRegex(folder.toString()) + "/"));
    }

    public Path root() {
        return root;
    }

    public record Guest(String name, Path directory, Path qmpSocket, Path testSocket, Path pidFile, List<Path> disks) {
        public String device(int disk) {
            return "/machine/peripheral/vd" + disk + "/virtio-backend";
        }

        /** The host end of the guest agent's channel, for a guest that has one (or a stand-in's). */
        public Path agentSocket() {
            return qmpSocket.resolveSibling(name + ".qga");
        }

        /** Where QEMU appends what a {@linkplain #boot booted} guest writes to its serial console. */
        public Path consoleLog() {
            return qmpSocket.resolveSibling(name + ".console.log");
        }
    }

    /** Makes the disks ({@code sizes} bytes each) and starts the guest with {@code -daemonize}. */
    public Guest start(String name, long memoryMiB, long... sizes) throws IOException {
        return start(name, memoryMiB, true, sizes);
    }

    /** As {@link #start(String, long, long...)}, without {@code -pidfile} unless {@code pidFile}. */
    public Guest start(String name, long memoryMiB, boolean pidFile, long... sizes) throws IOException {
        Guest guest = prepare(name, sizes);
        List<String> argv = commandLine(guest, memoryMiB);
        if (!pidFile) {
            int at = argv.indexOf("-pidfile");
            argv.remove(at + 1);
            argv.remove(at);
            unmanaged.add(guest.qmpSocket());
        }
        exec(argv);
        return guest;
    }

    /**
     * Boots a copy of {@code bootDisk} (a {@link LinuxGuestImage}) as the guest's only disk, under TCG (KVM
     * with {@code -cpu host} aborts on these machines), with a guest agent channel on {@link
     * Guest#agentSocket()} and the serial console appended to {@link Guest#consoleLog()}; returns at once,
     * while the guest boots.
     */
    public Guest boot(String name, long memoryMiB, Path bootDisk) throws IOException {
        Path dir = Files.createDirectories(root.resolve("vms").resolve(name));
        Path disk = dir.resolve("disk0.qcow2");
        Files.copy(bootDisk, disk);
        Guest guest = new Guest(name, dir, run.resolve(name + ".qmp"), run.resolve(name + ".test.qmp"),
                run.resolve(name + ".pid"), List.of(disk));
        exec(linuxCommandLine(guest, memoryMiB));
        return guest;
    }

    public static List<String> linuxCommandLine(Guest guest, long memoryMiB) {
        List<String> argv = commandLine(guest, memoryMiB);
        argv.set(argv.indexOf("q35,accel=kvm:tcg"), "q35,accel=tcg");
        argv.addAll(List.of("-chardev", "file,id=console0,path=" + guest.consoleLog() + ",append=on",
                "-serial", "chardev:console0",
                "-chardev", "socket,id=qga0,path=" + guest.agentSocket() + ",server=on,wait=off",
                "-device", "virtio-serial-pci,id=vserial0",
                "-device", "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0"));
        return argv;
    }

    /** Waits until the guest agent of a {@linkplain #boot booted} guest answers {@code guest-ping}. */
    public static void awaitAgent(Guest guest, Duration patience) {
        QgaClient agent = new QgaClient(guest.agentSocket());
        await().atMost(patience).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .untilAsserted(() -> agent.call("guest-ping", Duration.ofSeconds(1)));
    }

    /** Makes the guest's folder and disks ({@code sizes} bytes each), for a test that starts QEMU its own way. */
    public Guest prepare(String name, long... sizes) throws IOException {
        Path dir = Files.createDirectories(root.resolve("vms").resolve(name));
        List<Path> disks = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            Path disk = dir.resolve("disk" + i + ".qcow2");
            exec(List.of("qemu-img", "create", "-q", "-f", "qcow2", disk.toString(), Long.toString(sizes[i])));
            disks.add(disk);
        }
        return new Guest(name, dir, run.resolve(name + ".qmp"), run.resolve(name + ".test.qmp"),
                run.resolve(name + ".pid"), disks);
    }

    /**
     * Starts a prepared guest with {@code launcher} before its command line (e.g. {@code setpriv} to run
     * it as another user, or a shell's {@code exec -a} to give it another {@code argv[0]}), and with
     * {@code executable} in place of {@code qemu-system-x86_64}.
     */
    public void launch(Guest guest, long memoryMiB, List<String> launcher, String executable) throws IOException {
        List<String> argv = new ArrayList<>(launcher);
        List<String> qemu = commandLine(guest, memoryMiB);
        qemu.set(0, executable);
        argv.addAll(qemu);
        exec(argv);
    }

    public static List<String> commandLine(Guest guest, long memoryMiB) {
        List<String> argv = new ArrayList<>(List.of("qemu-system-x86_64", "-name", guest.name(),
                "-machine", "q35,accel=kvm:tcg", "-m", Long.toString(memoryMiB), "-display", "none", "-nodefaults",
                "-no-user-config", "-daemonize", "-pidfile", guest.pidFile().toString(),
                "-qmp", "unix:" + guest.qmpSocket() + ",server=on,wait=off",
                "-qmp", "unix:" + guest.testSocket() + ",server=on,wait=off"));
        for (int i = 0; i < guest.disks().size(); i++) {
            argv.addAll(List.of("-blockdev", "{\"driver\":\"file\",\"node-name\":\"vd" + i + "-file\",\"filename\":\""
                    + guest.disks().get(i) + "\"}",
                    "-blockdev", "{\"driver\":\"qcow2\",\"node-name\":\"vd" + i + "\",\"file\":\"vd" + i + "-file\"}",
                    "-device", "virtio-blk-pci,drive=vd" + i + ",id=vd" + i));
        }
        return argv;
    }

    /** Writes {@code length} bytes of {@code pattern} at {@code offset} of the guest's disk, and flushes. */
    public void write(Guest guest, int disk, int pattern, long offset, long length) {
        String device = guest.device(disk);
        io(guest, device, String.format("write -P 0x%x %d %d", pattern, offset, length));
        io(guest, device, "flush");
    }

    /**
     * Whether the guest's disk holds {@code pattern} at [offset, offset+length), as the guest sees it now:
     * flushed through QEMU, then read from the disk's active image with {@code qemu-io -U} (HMP's qemu-io
     * prints what it reads to QEMU's stdout, not to the monitor).
     */
    public boolean reads(Guest guest, int disk, int pattern, long offset, long length) throws IOException {
        io(guest, guest.device(disk), "flush");
        String active = null;
        for (var block : monitor(guest).execute("query-block", null, PATIENCE)) {
            if (block.path("qdev").asText().equals(guest.device(disk))) {
                active = block.path("inserted").path("file").asText();
            }
        }
        return holds(Path.of(active), pattern, offset, length);
    }

    /** Writes without the flush; the data reaches the image file, its qcow2 metadata maybe not yet. */
    public void writeUnflushed(Guest guest, int disk, int pattern, long offset, long length) {
        io(guest, guest.device(disk), String.format("write -P 0x%x %d %d", pattern, offset, length));
    }

    /** The test's own QMP connection to the guest; reconnects after QEMU was started again. */
    public QmpClient monitor(Guest guest) {
        return testMonitors.compute(guest.name(), (name, client) -> client != null && client.isOpen() ? client
                : QmpClient.connect(guest.testSocket(), PATIENCE));
    }

    /** Names of all nodes of the guest's block graph. */
    public List<String> blockNodes(Guest guest) {
        List<String> names = new ArrayList<>();
        monitor(guest).execute("query-named-block-nodes", Map.of("flat", true), PATIENCE)
                .forEach(node -> names.add(node.path("node-name").asText()));
        return names;
    }

    public List<String> blockJobs(Guest guest) {
        List<String> ids = new ArrayList<>();
        monitor(guest).execute("query-jobs", null, PATIENCE).forEach(job -> ids.add(job.path("id").asText()));
        return ids;
    }

    private void io(Guest guest, String device, String command) {
        String out = monitor(guest).execute("human-monitor-command",
                Map.of("command-line", "qemu-io -d " + device + " \"" + command + "\""), PATIENCE).asText();
        if (out.contains("rror") || out.contains("failed")) {
            throw new IllegalStateException("qemu-io " + command + " on " + guest.name() + ": " + out);
        }
    }

    /** Whether {@code image} holds {@code pattern} at [offset, offset+length), read with {@code qemu-io}. */
    public static boolean holds(Path image, int pattern, long offset, long length) throws IOException {
        return holds(image, "qcow2", pattern, offset, length);
    }

    /** Whether {@code length} bytes at {@code offset} of an image of {@code format} all hold {@code pattern}. */
    public static boolean holds(Path image, String format, int pattern, long offset, long length) throws IOException {
        try {
            exec(List.of("qemu-io", "-f", format, "-r", "-U", "-c", String.format("read -P 0x%x %d %d", pattern, offset,
                    length), image.toString()));
            return true;
        } catch (IOException e) {
            // qemu-io says so and exits non-zero when the bytes differ.
            if (e.getMessage().contains("Pattern verification failed")) {
                return false;
            }
            throw e;
        }
    }

    /** {@code qemu-img check} passes. */
    public static void check(Path image) throws IOException {
        exec(List.of("qemu-img", "check", "-q", image.toString()));
    }

    /**
     * {@code qemu-img check} finds no corruption; leaked clusters (allocated, referenced by nothing) are
     * allowed, since a QEMU killed while it allocated leaves them and they lose no data (exit status 3).
     */
    public static void checkNoCorruption(Path image) throws IOException {
        Process process = new ProcessBuilder("qemu-img", "check", "-q", image.toString()).redirectErrorStream(true).start();
        try {
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || (process.exitValue() != 0 && process.exitValue() != 3)) {
                throw new IOException("qemu-img check " + image + " found corruption: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    public static long pid(Guest guest) throws IOException {
        return Long.parseLong(Files.readString(guest.pidFile()).trim());
    }

    public void kill(Guest guest) throws IOException {
        kill(pid(guest));
    }

    private static void kill(long pid) {
        ProcessHandle.of(pid).filter(p -> p.info().command().orElse("").contains("qemu"))
                .ifPresent(ProcessHandle::destroyForcibly);
        long until = System.nanoTime() + PATIENCE.toNanos();
        while (QemuHypervisor.processRunning(pid) && System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }

    public static String exec(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + out);
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /**
     * Kills every QEMU whose pid file is anywhere under the lab (a host rooted in it keeps its new
     * guests' pid files there), or that serves a lab guest started without one.
     */
    @Override
    public void close() throws IOException {
        testMonitors.values().forEach(QmpClient::close);
        for (Path socket : unmanaged) {
            long pid;
            while ((pid = QemuHypervisor.findPid(socket)) > 0 && QemuHypervisor.processRunning(pid)) {
                kill(pid);
            }
        }
        try (Stream<Path> pids = Files.walk(root)) {
            for (Path file : pids.filter(p -> p.toString().endsWith(".pid")).toList()) {
                try {
                    kill(Long.parseLong(Files.readString(file).trim()));
                } catch (IOException | NumberFormatException e) {
                    // QEMU removes its pid file when it quits; a missing or half-written one has no process to kill
                }
            }
        }
    }
}
