package io.stillpoint.host.qemu;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import io.stillpoint.fs.Durable;
import io.stillpoint.host.HostException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files beside a guest's disks that say how to start it: {@code launch.json} (the registration,
 * paths relative to the folder) and {@code start.sh}. They travel with every restore point, so a guest
 * restored to another path can be started from there. Both name the guest's vetted executable first; a
 * guest folder's owner may change them, so Stillpoint never runs a program they name (see {@link
 * GuestClone}), and an admin reads {@code start.sh} before running it.
 */
final class LaunchFiles {

    static final String LAUNCH_JSON = "launch.json";
    static final String START_SCRIPT = "start.sh";
    private static final String DIR = "${DIR}";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private LaunchFiles() {}

    static void write(GuestRegistration guest) throws IOException {
        Path dir = guest.directoryPath();
        String prefix = dir.toString();
        Map<String, Object> launch = new LinkedHashMap<>();
        launch.put("name", guest.name());
        launch.put("memoryBytes", guest.memoryBytes());
        launch.put("disks", guest.disks().stream().map(d -> Map.of("node", d.node(), "format", d.format(),
                "file", d.file().replace(prefix, DIR), "device", d.device())).toList());
        launch.put("savedState", DIR + "/" + QemuGuest.VMSTATE_FILE);
        launch.put("qmpSocket", relative(guest.qmpSocket(), prefix));
        launch.put("guestAgentSocket", relative(guest.agentSocket(), prefix));
        launch.put("pidFile", relative(guest.pidFile(), prefix));
        List<String> argv = commandLine(guest);
        launch.put("commandLine", argv.stream().map(a -> a.replace(prefix, DIR)).toList());
        Durable.write(dir.resolve(LAUNCH_JSON), JSON.writeValueAsBytes(launch));

        StringBuilder script = new StringBuilder();
        script.append("#!/bin/sh\n")
                .append("# Starts QEMU guest '").append(guest.name()).append("' from the folder this script is in,\n")
                .append("# as Stillpoint registered it. With ").append(QemuGuest.VMSTATE_FILE)
                .append(" present (a save-state backup) the guest\n")
                .append("# resumes from its saved memory and waits paused: send {\"execute\":\"cont\"} on its QMP socket.\n")
                .append("DIR=\"$(cd \"$(dirname \"$0\")\" && pwd)\"\n")
                .append("set --\n")
                .append("if [ -f \"$DIR/").append(QemuGuest.VMSTATE_FILE).append("\" ]; then\n")
                .append("  set -- -incoming \"exec:cat '$DIR/").append(QemuGuest.VMSTATE_FILE).append("'\"\n")
                .append("fi\n")
                .append("exec");
        for (int i = 0; i < argv.size(); i++) {
            if (argv.get(i).equals("-incoming")) {
                i++;
                continue;
            }
            script.append(" \\\n  ").append(quote(argv.get(i), prefix));
        }
        script.append(" \\\n  \"$@\"\n");
        Path start = dir.resolve(START_SCRIPT);
        Durable.write(start, script.toString().getBytes(StandardCharsets.UTF_8));
        java.nio.file.Files.setPosixFilePermissions(start, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** The command line with the vetted executable in place of what the process called itself. */
    private static List<String> commandLine(GuestRegistration guest) {
        List<String> argv = new ArrayList<>(guest.commandLine());
        if (guest.binary() != null) {
            argv.set(0, guest.binary());
        }
        return argv;
    }

    /**
     * What {@code launch.json} in {@code dir} says, with its paths made absolute again under {@code dir}.
     * A launch.json from before the sockets were written into it names the first QMP socket of the
     * command line as Stillpoint's.
     */
    static Launch read(Path dir) throws IOException {
        return read(dir, dir);
    }

    /**
     * What {@code launch.json} in {@code dir} says, with its paths made absolute under {@code prefix}: for a
     * guest that is to run from another folder than the one its files are in.
     */
    static Launch read(Path dir, Path under) throws IOException {
        Path file = dir.resolve(LAUNCH_JSON);
        if (!Files.isRegularFile(file)) {
            throw new HostException("the restored folder " + dir + " has no " + LAUNCH_JSON
                    + "; it is not a QEMU guest's backup");
        }
        JsonNode launch = JSON.readTree(file.toFile());
        String prefix = under.toString();
        List<String> argv = new ArrayList<>();
        launch.path("commandLine").forEach(a -> argv.add(a.asText().replace(DIR, prefix)));
        List<GuestRegistration.Disk> disks = new ArrayList<>();
        launch.path("disks").forEach(d -> disks.add(new GuestRegistration.Disk(d.path("node").asText(),
                d.path("file").asText().replace(DIR, prefix), d.path("format").asText(), d.path("device").asText())));
        if (argv.isEmpty() || disks.isEmpty()) {
            throw new HostException(file + " names no command line or no disk");
        }
        String qmpSocket = text(launch, "qmpSocket", prefix);
        if (qmpSocket == null) {
            qmpSocket = firstQmpSocket(argv);
        }
        if (qmpSocket == null) {
            throw new HostException("the command line in " + file + " has no QMP socket (-qmp unix:...) for Stillpoint");
        }
        return new Launch(launch.path("memoryBytes").asLong(), disks, qmpSocket,
                text(launch, "guestAgentSocket", prefix), text(launch, "pidFile", prefix), argv);
    }

    /** A guest as its launch.json describes it. */
    record Launch(long memoryBytes, List<GuestRegistration.Disk> disks, String qmpSocket, String agentSocket,
            String pidFile, List<String> commandLine) {}

    private static String firstQmpSocket(List<String> argv) {
        for (int i = 0; i + 1 < argv.size(); i++) {
            if (argv.get(i).equals("-qmp") && argv.get(i + 1).startsWith("unix:")) {
                return argv.get(i + 1).substring("unix:".length()).split(",", 2)[0];
            }
        }
        return null;
    }

    private static String text(JsonNode launch, String field, String prefix) {
        JsonNode value = launch.get(field);
        return value == null || value.isNull() ? null : value.asText().replace(DIR, prefix);
    }

    private static String relative(String path, String prefix) {
        return path == null ? null : path.replace(prefix, DIR);
    }

    /** Single-quotes an argument, with the guest's folder replaced by {@code "$DIR"}. */
    private static String quote(String arg, String prefix) {
        String quoted = "'" + arg.replace("'", "'\\''") + "'";
        return quoted.replace(prefix, "'\"$DIR\"'");
    }
}
