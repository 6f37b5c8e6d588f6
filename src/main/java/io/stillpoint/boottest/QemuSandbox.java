package io.stillpoint.boottest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stillpoint.host.HostException;
import io.stillpoint.host.qemu.QgaClient;
import io.stillpoint.host.qemu.QmpClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Boots a QEMU or libvirt restore point in a sandbox QEMU: each disk a throwaway qcow2 overlay in the
 * test's work folder whose backing file is the point's copy, opened read-only, so nothing the guest does
 * reaches the point; no network device at all; bounded memory, CPUs and time; QEMU's seccomp sandbox on.
 * The command line is built here from the point's data ({@link SandboxDisks}), never taken from it, and
 * runs the emulator and {@code qemu-img} the server's configuration allows.
 *
 * <p>A reboot becomes a stop ({@code -action reboot=shutdown,shutdown=pause}): a firmware that finds no
 * boot sector retries after a second ({@code reboot-timeout}), which ends the test at once with its
 * screen still there to capture, instead of at the timeout.
 */
final class QemuSandbox implements Sandbox {

    static final String QMP_SOCKET = "qmp.sock";
    static final String AGENT_SOCKET = "qga.sock";
    private static final String SERIAL = "serial.log";
    private static final String SCREEN = "screen.png";
    private static final String QEMU_LOG = "qemu.log";
    /** {@code sockaddr_un.sun_path} holds 108 bytes, the last one NUL. */
    private static final int MAX_SOCKET_PATH = 107;
    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration AGENT_CALL = Duration.ofSeconds(2);
    private static final Duration MONITOR = Duration.ofSeconds(10);
    private static final int TAIL = 2000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path emulator;
    private final Path qemuImg;
    private final BootTestConfig config;
    private final Pattern panic;

    /** @param emulator and qemuImg vetted real paths of allowed executables */
    QemuSandbox(Path emulator, Path qemuImg, BootTestConfig config) {
        this.emulator = emulator;
        this.qemuImg = qemuImg;
        this.config = config;
        this.panic = Pattern.compile(config.panicPattern());
    }

    @Override
    public Verdict run(Request request) throws IOException {
        SandboxDisks machine = SandboxDisks.of(request.pointFiles());
        Path work = request.workDir();
        Path qmpSocket = work.resolve(QMP_SOCKET);
        if (qmpSocket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
            return Verdict.failed("the sandbox's socket path " + qmpSocket + " is longer than a Unix socket may be;"
                    + " give stillpoint.boot-test.work-dir a shorter path");
        }
        List<Path> overlays = new ArrayList<>();
        for (int i = 0; i < machine.disks().size(); i++) {
            SandboxDisks.Disk disk = machine.disks().get(i);
            Path overlay = work.resolve("disk" + i + ".qcow2");
            String result = Processes.run(List.of(qemuImg.toString(), "create", "-q", "-f", "qcow2", "-F", disk.format(),
                    "-b", disk.file().toRealPath().toString(), overlay.toString()), Duration.ofSeconds(30));
            if (result != null) {
                return Verdict.failed("qemu-img could not make the overlay of " + disk.file().getFileName() + ": "
                        + result);
            }
            overlays.add(overlay);
        }
        Path serial = work.resolve(SERIAL);
        Files.createFile(serial);
        long memoryMib = Math.max(64, machine.memoryBytes() > 0
                ? Math.min(config.memoryMib(), machine.memoryBytes() >> 20) : config.memoryMib());
        List<String> argv = commandLine(machine, overlays, work, memoryMib);
        long started = System.nanoTime();
        Process qemu = new ProcessBuilder(argv).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(work.resolve(QEMU_LOG).toFile()).start();
        request.started().accept(qemu.pid());
        try {
            Verdict verdict = watch(request, qemu, work, started);
            if (qemu.isAlive()) {
                screendump(work, request.screenshot());
            }
            return verdict;
        } finally {
            stop(qemu, work);
            if (Files.isRegularFile(serial, LinkOption.NOFOLLOW_LINKS)) {
                Files.copy(serial, request.serialLog(), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private List<String> commandLine(SandboxDisks machine, List<Path> overlays, Path work, long memoryMib) {
        List<String> argv = new ArrayList<>(List.of(emulator.toString(),
                "-name", "stillpoint-boot-test",
                "-machine", "q35,accel=" + config.accelerator(),
                "-cpu", config.cpuModel(),
                "-m", Long.toString(memoryMib),
                "-smp", Integer.toString(config.cpus()),
                "-nodefaults", "-no-user-config",
                "-display", "none",
                "-device", "VGA",
                "-nic", "none",
                "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny",
                "-boot", "strict=on,reboot-timeout=1000",
                "-action", "reboot=shutdown,shutdown=pause",
                "-qmp", "unix:" + work.resolve(QMP_SOCKET) + ",server=on,wait=off",
                "-chardev", "file,id=serial0,path=" + work.resolve(SERIAL),
                "-serial", "chardev:serial0",
                "-chardev", "socket,id=qga0,path=" + work.resolve(AGENT_SOCKET) + ",server=on,wait=off",
                "-device", "virtio-serial-pci,id=vserial0",
                "-device", "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0"));
        int sata = 0;
        for (int i = 0; i < overlays.size(); i++) {
            SandboxDisks.Disk disk = machine.disks().get(i);
            argv.addAll(List.of("-blockdev", json(Map.of("driver", "file", "node-name", "base" + i + "-file",
                            "filename", disk.file().toString(), "read-only", true)),
                    "-blockdev", json(Map.of("driver", disk.format(), "node-name", "base" + i, "file", "base" + i + "-file",
                            "read-only", true)),
                    "-blockdev", json(Map.of("driver", "file", "node-name", "disk" + i + "-file",
                            "filename", overlays.get(i).toString())),
                    "-blockdev", json(Map.of("driver", "qcow2", "node-name", "disk" + i, "file", "disk" + i + "-file",
                            "backing", "base" + i)),
                    "-device", disk.sata() ? "ide-hd,drive=disk" + i + ",bus=ide." + sata++ + ",bootindex=" + i
                            : "virtio-blk-pci,drive=disk" + i + ",bootindex=" + i));
        }
        return argv;
    }

    private Verdict watch(Request request, Process qemu, Path work, long started) throws IOException {
        long deadline = started + request.timeout().toNanos();
        QgaClient agent = new QgaClient(work.resolve(AGENT_SOCKET));
        boolean checkCommand = !request.checkCommand().isEmpty();
        while (true) {
            if (request.cancelled().getAsBoolean()) {
                return Verdict.cancelled("cancelled while the guest booted; the sandbox was stopped");
            }
            if (!qemu.isAlive()) {
                return Verdict.failed("QEMU exited with code " + qemu.exitValue() + " before the guest was up: "
                        + tail(work.resolve(QEMU_LOG)));
            }
            String console = Files.readString(work.resolve(SERIAL), StandardCharsets.ISO_8859_1);
            Matcher panicked = panic.matcher(console);
            if (panicked.find()) {
                return Verdict.failed("kernel panic on the serial console: " + line(console, panicked.start()));
            }
            String halted = halted(work);
            if (halted != null) {
                return Verdict.failed(halted + (console.isBlank() ? "; the serial console stayed empty"
                        : "; the serial console's last lines: " + tailOf(console)));
            }
            if (!checkCommand && request.serialPattern() != null) {
                Matcher up = request.serialPattern().matcher(console);
                if (up.find()) {
                    return Verdict.passed(millisSince(started), "the serial console showed /"
                            + request.serialPattern().pattern() + "/: " + line(console, up.start()));
                }
            }
            if (ping(agent)) {
                long upAfter = millisSince(started);
                String os = osInfo(agent);
                if (!checkCommand) {
                    return Verdict.passed(upAfter, "the guest agent answered guest-ping" + os);
                }
                return check(agent, request, upAfter, os, deadline);
            }
            if (System.nanoTime() > deadline) {
                return Verdict.failed("timed out after " + request.timeout().toSeconds() + " s: the guest never proved"
                        + " it was up (no agent answer" + (request.serialPattern() == null ? "" : ", no /"
                        + request.serialPattern().pattern() + "/ on the serial console") + ")"
                        + (console.isBlank() ? "; the serial console stayed empty"
                                : "; the serial console's last lines: " + tailOf(console)));
            }
            sleep(POLL);
        }
    }

    /** Runs the check command through the agent and waits for it to exit, within the test's deadline. */
    private Verdict check(QgaClient agent, Request request, long upAfter, String os, long deadline) {
        List<String> command = request.checkCommand();
        String shown = String.join(" ", command);
        long pid;
        try {
            Map<String, Object> arguments = new LinkedHashMap<>();
            arguments.put("path", command.get(0));
            arguments.put("arg", command.subList(1, command.size()));
            arguments.put("capture-output", true);
            pid = agent.call("guest-exec", arguments, AGENT_CALL).path("pid").asLong();
        } catch (HostException e) {
            return Verdict.failed("the guest agent answered guest-ping after " + upAfter + " ms" + os + ", but the check command '"
                    + shown + "' could not be started: " + e.getMessage());
        }
        while (System.nanoTime() < deadline) {
            if (request.cancelled().getAsBoolean()) {
                return Verdict.cancelled("cancelled while the check command ran");
            }
            JsonNode status;
            try {
                status = agent.call("guest-exec-status", Map.of("pid", pid), AGENT_CALL);
            } catch (HostException e) {
                sleep(POLL);
                continue;
            }
            if (status.path("exited").asBoolean()) {
                int code = status.path("exitcode").asInt(-1);
                String output = decode(status, "out-data") + decode(status, "err-data");
                String said = output.isBlank() ? "" : "; its output ends: " + tailOf(output);
                if (code == 0 && !status.has("signal")) {
                    return Verdict.passed(upAfter, "the guest agent answered guest-ping" + os + ", and the check command '"
                            + shown + "' exited 0" + said);
                }
                return Verdict.failed("the guest agent answered guest-ping after " + upAfter + " ms" + os + ", but the check command '"
                        + shown + "' " + (status.has("signal") ? "was killed by signal " + status.path("signal").asInt()
                                : "exited " + code) + said);
            }
            sleep(POLL);
        }
        return Verdict.failed("the guest agent answered guest-ping after " + upAfter + " ms" + os + ", but the check command '" + shown
                + "' did not exit within the timeout of " + request.timeout().toSeconds() + " s");
    }

    private static boolean ping(QgaClient agent) {
        try {
            agent.call("guest-ping", Duration.ofSeconds(1));
            return true;
        } catch (HostException e) {
            return false;
        }
    }

    /** The guest's own account of its system, as {@code "; osinfo: ..."}, or nothing if its agent cannot say. */
    private static String osInfo(QgaClient agent) {
        try {
            JsonNode info = agent.call("guest-get-osinfo", AGENT_CALL);
            List<String> parts = new ArrayList<>();
            for (String field : List.of("pretty-name", "kernel-release", "machine")) {
                if (info.hasNonNull(field) && !info.path(field).asText().isBlank()) {
                    parts.add(field + " " + info.path(field).asText());
                }
            }
            return parts.isEmpty() ? "" : "; guest-get-osinfo: " + String.join(", ", parts);
        } catch (HostException e) {
            return "";
        }
    }

    /** Why the guest stopped (a shutdown, or a reset the action turned into one), or null while it runs. */
    private static String halted(Path work) {
        try (QmpClient monitor = QmpClient.connect(work.resolve(QMP_SOCKET), MONITOR)) {
            String status = monitor.execute("query-status", null, MONITOR).path("status").asText();
            return switch (status) {
                case "shutdown" -> "the guest shut down or reset before it was up (no bootable disk, or it rebooted)";
                case "guest-panicked" -> "the guest panicked";
                case "internal-error" -> "QEMU stopped the guest on an internal error";
                case "io-error" -> "QEMU stopped the guest on a disk I/O error";
                default -> null;
            };
        } catch (HostException e) {
            return null;
        }
    }

    private static void screendump(Path work, Path screenshot) {
        Path screen = work.resolve(SCREEN);
        try (QmpClient monitor = QmpClient.connect(work.resolve(QMP_SOCKET), MONITOR)) {
            monitor.execute("screendump", Map.of("filename", screen.toString(), "format", "png"), MONITOR);
            if (Files.isRegularFile(screen, LinkOption.NOFOLLOW_LINKS)) {
                Files.copy(screen, screenshot, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (HostException | IOException e) {
            // No screenshot is no verdict: the evidence and the serial log still say what happened.
        }
    }

    /** Quits QEMU through its monitor, kills it if it does not go, and waits until it is gone. */
    private static void stop(Process qemu, Path work) {
        if (qemu.isAlive()) {
            try (QmpClient monitor = QmpClient.connect(work.resolve(QMP_SOCKET), MONITOR)) {
                monitor.execute("quit", null, MONITOR);
            } catch (HostException e) {
                // killed below
            }
        }
        try {
            if (!qemu.waitFor(5, TimeUnit.SECONDS)) {
                qemu.destroyForcibly();
                qemu.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            qemu.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static String decode(JsonNode status, String field) {
        return status.hasNonNull(field)
                ? new String(Base64.getDecoder().decode(status.path(field).asText()), StandardCharsets.UTF_8) : "";
    }

    private static String line(String text, int at) {
        int start = text.lastIndexOf('\n', at) + 1;
        int end = text.indexOf('\n', at);
        return text.substring(start, end < 0 ? text.length() : end).strip();
    }

    private static String tailOf(String text) {
        String trimmed = text.strip();
        String tail = trimmed.length() > TAIL ? "..." + trimmed.substring(trimmed.length() - TAIL) : trimmed;
        return tail.replaceAll("[\\x00-\\x08\\x0b-\\x1f\\x7f]", "");
    }

    private static String tail(Path log) throws IOException {
        return Files.isRegularFile(log) ? tailOf(Files.readString(log, StandardCharsets.ISO_8859_1)) : "";
    }

    private static long millisSince(long started) {
        return Math.max(1, (System.nanoTime() - started) / 1_000_000);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String json(Map<String, ?> value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
