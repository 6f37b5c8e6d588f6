package io.stillpoint.host.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stillpoint.fs.Durable;
import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.host.GuestNames;
import io.stillpoint.host.HostException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a restored copy of a guest's folder into a guest of its own, one that can run beside the
 * original: its disks renamed after it, and a command line that names it, gives it a new SMBIOS UUID
 * and new MAC addresses, and moves every socket, pid file and chardev file the original owned outside
 * its folder into the clone's run folder. Two QEMUs on one socket path would steal each other's
 * monitor; two NICs with one MAC break both guests' networking.
 *
 * <p>The restored {@code launch.json} came from a guest's folder, which its owner may have written, so
 * it chooses nothing Stillpoint runs: the clone's executable is the allowed QEMU executable whose file
 * name its command line names (the emulator, such as {@code qemu-system-x86_64}), never the path it
 * gives, and a command line with an option that makes QEMU start a program or load code of the host
 * ({@code -netdev} scripts and helpers, {@code -plugin}, {@code -readconfig}) is refused.
 */
final class GuestClone {

    /** Guest NIC models QEMU 7.2 offers on x86 ({@code -device help}, network devices). */
    private static final Set<String> NIC_DRIVERS = Set.of("e1000", "e1000-82544gc", "e1000-82545em", "e1000e",
            "i82550", "i82551", "i82557a", "i82557b", "i82557c", "i82558a", "i82558b", "i82559a", "i82559b",
            "i82559c", "i82559er", "i82562", "i82801", "igb", "ne2k_isa", "ne2k_pci", "pcnet", "rtl8139",
            "tulip", "usb-net", "virtio-net-device", "virtio-net-pci", "virtio-net-pci-non-transitional",
            "virtio-net-pci-transitional", "vmxnet3");
    private static final Pattern UNIX_PATH = Pattern.compile("^unix:([^,]+)");
    private static final Pattern CHARDEV_PATH = Pattern.compile("(?<=(?:^|,)path=)([^,]+)");
    private static final Pattern CHARDEV_ID = Pattern.compile("(?:^|,)id=([^,]+)");
    private static final Pattern MAC = Pattern.compile("(?<=(?:^|,)(?:mac|macaddr)=)[^,]+");
    private static final Pattern DISK_EXTENSION = Pattern.compile("\\.([A-Za-z0-9]{1,8})$");
    /** Options whose every use runs a program or loads code of the host's, whatever their value. */
    private static final Set<String> RUNS_HOST_CODE = Set.of("-plugin", "-readconfig");
    /** Suboptions of -netdev, -net and -nic that name a program QEMU runs (a tap's scripts, the bridge helper). */
    private static final Pattern PROGRAM_SUBOPTION = Pattern.compile("(?:^|,)(?:script|downscript|helper)=([^,]*)");
    /** {@code sockaddr_un.sun_path} holds 108 bytes, the last one NUL. */
    static final int MAX_SOCKET_PATH = 107;
    /** As long as the longest file name {@link #runFile} gives a socket. */
    private static final String LONGEST_SOCKET_NAME = "qmp.sock";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String name;
    private final Path directory;
    private final Path runDirectory;
    private final TrustedExecutables binaries;
    private final String diskExtension;
    private final Map<String, String> moved = new LinkedHashMap<>();
    private int otherSockets;

    private GuestClone(String name, Path directory, Path runDirectory, TrustedExecutables binaries,
            String diskExtension) {
        this.name = name;
        this.directory = directory;
        this.runDirectory = runDirectory;
        this.binaries = binaries;
        this.diskExtension = diskExtension;
    }

    /**
     * Reads {@code launch.json} in {@code directory}, renames the disks and returns the new guest's
     * registration. Nothing in {@code runDirectory} is created: QEMU makes its sockets and pid file.
     *
     * @param binaries the QEMU executables the server allows; the clone gets one of them
     * @throws HostException if the folder holds no launch.json, a disk it names is missing, no allowed
     *     executable is the emulator it names, or its command line would run a program of the host's
     */
    static GuestRegistration of(Path directory, String name, Path runDirectory, TrustedExecutables binaries)
            throws IOException {
        return new GuestClone(name, directory, runDirectory, binaries, null).clone(LaunchFiles.read(directory));
    }

    /**
     * As {@link #of}, for a guest whose launch is read from elsewhere and whose disks, already in {@code
     * directory} where {@code launch} names them, get {@code diskExtension} (e.g. {@code .instant.qcow2})
     * instead of their own.
     */
    static GuestRegistration of(LaunchFiles.Launch launch, Path directory, String name, Path runDirectory,
            TrustedExecutables binaries, String diskExtension) throws IOException {
        return new GuestClone(name, directory, runDirectory, binaries, diskExtension).clone(launch);
    }

    private GuestRegistration clone(LaunchFiles.Launch original) throws IOException {
        Path binary = emulator(original.commandLine().get(0));
        refuseHostPrograms(original.commandLine());
        String dir = directory.toString();
        Map<String, String> disks = new LinkedHashMap<>();
        List<GuestRegistration.Disk> newDisks = new ArrayList<>();
        for (int i = 0; i < original.disks().size(); i++) {
            GuestRegistration.Disk disk = original.disks().get(i);
            Path from = Path.of(disk.file());
            if (!Files.isRegularFile(from)) {
                throw new HostException("the restored folder " + directory + " lacks disk " + from
                        + " that its launch.json names");
            }
            Matcher extension = DISK_EXTENSION.matcher(from.getFileName().toString());
            String ext = diskExtension != null ? diskExtension : extension.find() ? extension.group() : "";
            Path to = from.resolveSibling(GuestNames.fileName(name) + "-disk" + i + ext);
            disks.put(disk.file(), to.toString());
            newDisks.add(new GuestRegistration.Disk(disk.node(), to.toString(), disk.format(), disk.device()));
        }
        String qmpSocket = move(original.qmpSocket(), "qmp.sock");
        String agentSocket = original.commandLine().stream().anyMatch(a -> original.agentSocket() != null
                && a.contains(original.agentSocket())) ? move(original.agentSocket(), "qga.sock") : null;
        String pidFile = original.pidFile() == null ? null : move(original.pidFile(), "qemu.pid");
        List<String> argv = commandLine(original.commandLine(), disks);
        for (Map.Entry<String, String> disk : disks.entrySet()) {
            Durable.rename(Path.of(disk.getKey()), Path.of(disk.getValue()));
        }
        return new GuestRegistration(name, dir, original.memoryBytes(), newDisks, qmpSocket, agentSocket, pidFile, argv,
                binary.toString(), TrustedExecutables.ownUid());
    }

    /** The allowed executable of the emulator the restored command line names by its first word. */
    private Path emulator(String restored) {
        String fileName = restored.substring(restored.lastIndexOf('/') + 1);
        return binaries.byFileName(fileName).orElseThrow(() -> new HostException("the restored guest's command line"
                + " starts with '" + restored + "', and no QEMU executable the server allows (" + binaries.configKeys()
                + ": " + String.join(", ", binaries.allowed()) + ") is a '" + fileName + "' that Stillpoint may run"));
    }

    private static void refuseHostPrograms(List<String> argv) {
        for (int i = 1; i < argv.size(); i++) {
            String option = argv.get(i);
            if (RUNS_HOST_CODE.contains(option)) {
                throw new HostException("the restored guest's command line has " + option + ", which makes QEMU load"
                        + " code of the host's; Stillpoint does not start it as a new guest");
            }
            if ((option.equals("-netdev") || option.equals("-net") || option.equals("-nic")) && i + 1 < argv.size()) {
                Matcher program = PROGRAM_SUBOPTION.matcher(argv.get(i + 1));
                while (program.find()) {
                    if (!program.group(1).equals("no")) {
                        throw new HostException("the restored guest's command line has " + option + " "
                                + argv.get(i + 1) + ", which makes QEMU run " + program.group(1)
                                + "; Stillpoint does not start it as a new guest");
                    }
                }
            }
        }
    }

    /**
     * Rewrites each option's value by the option before it; flags such as {@code -daemonize} pass
     * unchanged. The first word is the restored one: what runs is the registration's executable.
     */
    private List<String> commandLine(List<String> registered, Map<String, String> disks) {
        List<String> argv = new ArrayList<>();
        argv.add(registered.get(0));
        for (int i = 1; i < registered.size(); i++) {
            String value = registered.get(i);
            argv.add(switch (registered.get(i - 1)) {
                case "-name" -> "guest=" + qemuOptionValue(name) + otherSuboptions(value);
                case "-uuid" -> UUID.randomUUID().toString();
                case "-pidfile" -> move(value, "qemu.pid");
                case "-D" -> move(value, "qemu-debug.log");
                case "-chardev" -> chardev(value);
                case "-qmp", "-monitor", "-serial", "-parallel", "-vnc" -> unixSocket(value);
                case "-device" -> nic(value, value.startsWith("{") ? driverOfJson(value) : value.split(",", 2)[0]);
                case "-nic" -> withMac(value);
                case "-net" -> value.startsWith("nic") ? withMac(value) : value;
                default -> replaceDisks(value, disks);
            });
        }
        if (!registered.contains("-name")) {
            argv.addAll(1, List.of("-name", "guest=" + qemuOptionValue(name)));
        }
        return argv;
    }

    /** QEMU's option syntax takes a comma in a value as two commas. */
    private static String qemuOptionValue(String value) {
        return value.replace(",", ",,");
    }

    /**
     * What follows the guest's name in a {@code -name} value ({@code ,debug-threads=on}), empty if
     * nothing does. The name is the value itself, or its {@code guest=} suboption; commas inside it are
     * doubled.
     */
    private static String otherSuboptions(String value) {
        List<String> parts = new ArrayList<>();
        StringBuilder part = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == ',' && i + 1 < value.length() && value.charAt(i + 1) == ',') {
                part.append(",,");
                i++;
            } else if (c == ',') {
                parts.add(part.toString());
                part.setLength(0);
            } else {
                part.append(c);
            }
        }
        parts.add(part.toString());
        StringBuilder rest = new StringBuilder();
        for (int i = 0; i < parts.size(); i++) {
            boolean isName = parts.get(i).startsWith("guest=") || (i == 0 && !parts.get(i).contains("="));
            if (!isName) {
                rest.append(',').append(parts.get(i));
            }
        }
        return rest.toString();
    }

    private static String replaceDisks(String arg, Map<String, String> disks) {
        String result = arg;
        for (Map.Entry<String, String> disk : disks.entrySet()) {
            result = result.replace(disk.getKey(), disk.getValue());
        }
        return result;
    }

    private String chardev(String value) {
        Matcher path = CHARDEV_PATH.matcher(value);
        if (!path.find()) {
            return value;
        }
        boolean socket = value.startsWith("socket");
        Matcher id = CHARDEV_ID.matcher(value);
        String fileName = socket ? null : (id.find() ? id.group(1) : "chardev") + ".out";
        return path.replaceFirst(Matcher.quoteReplacement(move(path.group(1), fileName)));
    }

    private String unixSocket(String value) {
        Matcher path = UNIX_PATH.matcher(value);
        return path.find() ? "unix:" + move(path.group(1), null) + value.substring(path.end()) : value;
    }

    /**
     * The clone's path for a file the original kept outside its folder: the same file again for the
     * same original, so a socket named twice (a chardev and its monitor) stays one socket.
     */
    private String move(String original, String fileName) {
        if (original == null) {
            return null;
        }
        if (Path.of(original).startsWith(directory)) {
            return original;
        }
        return moved.computeIfAbsent(original, o -> runFile(fileName != null ? fileName : ++otherSockets + ".sock"));
    }

    private String runFile(String fileName) {
        String path = runDirectory.resolve(fileName).toString();
        if (fileName.endsWith(".sock") && !fitsUnixSocket(path)) {
            throw new HostException("socket path " + path + " is longer than the " + MAX_SOCKET_PATH
                    + " bytes a Unix socket may have; give the QEMU host a shorter root");
        }
        return path;
    }

    /** The longest socket path a clone with this run folder gets. */
    static String longestSocket(Path runDirectory) {
        return runDirectory.resolve(LONGEST_SOCKET_NAME).toString();
    }

    static boolean fitsUnixSocket(String path) {
        return path.getBytes(StandardCharsets.UTF_8).length <= MAX_SOCKET_PATH;
    }

    private String nic(String value, String driver) {
        if (!NIC_DRIVERS.contains(driver)) {
            return value;
        }
        if (!value.startsWith("{")) {
            return withMac(value);
        }
        try {
            ObjectNode device = (ObjectNode) JSON.readTree(value);
            device.put("mac", newMac());
            return JSON.writeValueAsString(device);
        } catch (IOException e) {
            throw new HostException("the restored command line has a -device that is not valid JSON: " + value, false, e);
        }
    }

    private static String driverOfJson(String value) {
        try {
            JsonNode device = JSON.readTree(value);
            return device.path("driver").asText();
        } catch (IOException e) {
            return "";
        }
    }

    private static String withMac(String value) {
        Matcher mac = MAC.matcher(value);
        return mac.find() ? mac.replaceFirst(newMac()) : value + ",mac=" + newMac();
    }

    /** A unicast, locally administered address under QEMU's own 52:54:00 prefix, as libvirt gives. */
    static String newMac() {
        byte[] tail = new byte[3];
        RANDOM.nextBytes(tail);
        return String.format(Locale.ROOT, "52:54:00:%02x:%02x:%02x", tail[0], tail[1], tail[2]);
    }
}
