package io.stillpoint.host.qemu;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.stillpoint.fs.Durable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files beside a guest's disks that say how to start it: {@code launch.json} (the registration,
 * paths relative to the folder) and {@code start.sh}. They travel with every restore point, so a guest
 * restored to another path can be started from there.
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
                "file", d.file().replace(prefix, DIR))).toList());
        launch.put("savedState", DIR + "/" + QemuGuest.VMSTATE_FILE);
        launch.put("commandLine", guest.commandLine().stream().map(a -> a.replace(prefix, DIR)).toList());
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
        List<String> argv = guest.commandLine();
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

    /** Single-quotes an argument, with the guest's folder replaced by {@code "$DIR"}. */
    private static String quote(String arg, String prefix) {
        String quoted = "'" + arg.replace("'", "'\\''") + "'";
        return quoted.replace(prefix, "'\"$DIR\"'");
    }
}
