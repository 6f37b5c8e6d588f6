package io.stillpoint.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Defines libvirt domains on the machine's libvirtd ({@value #URI}) for tests, through {@code virsh}
 * so that the code under test is not also the test's tool: {@code q35} machines without a boot disk
 * (SeaBIOS finds nothing to boot and idles), under KVM with a named CPU model where {@code libvirt-qemu}
 * may open {@code /dev/kvm} ({@code -cpu host} aborts on this kind of machine), under TCG otherwise, qcow2 disks in a world-readable folder under {@code
 * /var/tmp} (libvirt's QEMU runs as {@code libvirt-qemu}, which cannot enter a 0700 temporary folder).
 * Names carry a random tag, since other work may use the same libvirtd. {@link #close()} destroys and
 * undefines every domain it defined, and removes its folder; a JVM killed before it could close its labs
 * leaves that to the {@link JvmReaper}.
 */
public final class LibvirtLab implements AutoCloseable {

    public static final String URI = "qemu:///system";
    public static final Duration PATIENCE = Duration.ofSeconds(60);

    /** Whether libvirt's QEMU (group kvm, as Debian's udev rule sets it up) may use KVM here. */
    private static final boolean KVM = kvmUsable();

    private final Path root;
    private final String tag = UUID.randomUUID().toString().substring(0, 8);
    private final List<String> defined = new CopyOnWriteArrayList<>();

    /** A defined domain; {@code name} is the tagged name libvirt knows it by. */
    private static final String AGENT_CHANNEL =
            "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>";

    public record Domain(String name, String uuid, Path directory, List<Path> disks) {}

    public LibvirtLab() throws IOException {
        root = Files.createDirectories(Path.of("/var/tmp", "stillpoint-libvirt-" + tag));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        String virsh = "virsh -q -c " + URI + " ";
        JvmReaper.atDeath(virsh + "list --all --name | grep -- '^" + named("") + "' | while read -r domain; do "
                + virsh + "destroy \"$domain\"; "
                + virsh + "undefine \"$domain\" --managed-save --checkpoints-metadata --snapshots-metadata; "
                + "done >/dev/null 2>&1; rm -rf -- " + JvmReaper.quoted(root.toString()));
    }

    private static boolean kvmUsable() {
        try {
            PosixFileAttributes kvm = Files.readAttributes(Path.of("/dev/kvm"), PosixFileAttributes.class);
            boolean group = kvm.group().getName().equals("kvm") && kvm.permissions().containsAll(
                    List.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE));
            return group || kvm.permissions().containsAll(List.of(PosixFilePermission.OTHERS_READ,
                    PosixFilePermission.OTHERS_WRITE));
        } catch (IOException noKvm) {
            return false;
        }
    }

    public Path root() {
        return root;
    }

    /** {@code name} with this lab's tag, as its domains are called. */
    public String named(String name) {
        return "sp-" + tag + "-" + name;
    }

    /**
     * Defines a persistent domain with one qcow2 disk of {@code diskMiB}, optionally the guest agent's
     * channel, and {@code extraDevices} (XML) after them.
     */
    public Domain define(String name, boolean agentChannel, long memoryMiB, long diskMiB, String extraDevices)
            throws IOException {
        String full = named(name);
        Path directory = domainDirectory(full);
        Path disk = directory.resolve("disk0.qcow2");
        exec(List.of("qemu-img", "create", "-q", "-f", "qcow2", disk.toString(), diskMiB + "M"));
        return define(full, directory, disk, memoryMiB, KVM, (agentChannel ? AGENT_CHANNEL : "") + extraDevices);
    }

    /**
     * Defines a persistent domain that boots Linux from a copy of {@code bootImage} (the test guest of
     * {@link LinuxGuestImage}), with the guest agent's channel and its serial console written to {@link
     * #serialLog}.
     */
    public Domain defineLinux(String name, Path bootImage, long memoryMiB) throws IOException {
        String full = named(name);
        Path directory = domainDirectory(full);
        Path disk = Files.copy(bootImage, directory.resolve("disk0.qcow2"));
        // Under KVM every named CPU model stops inside its boot loader on these machines: TCG boots it.
        return define(full, directory, disk, memoryMiB, false, AGENT_CHANNEL + "<serial type='file'><source path='"
                + serialLog(directory) + "'/><target port='0'/></serial>");
    }

    /** Where a domain of {@link #defineLinux} writes its serial console. */
    public static Path serialLog(Path domainDirectory) {
        return domainDirectory.resolve("serial.log");
    }

    private Path domainDirectory(String full) throws IOException {
        Path directory = Files.createDirectories(root.resolve(full));
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        return directory;
    }

    private Domain define(String full, Path directory, Path disk, long memoryMiB, boolean kvm, String extraDevices)
            throws IOException {
        String xml = (kvm ? "<domain type='kvm'>" : "<domain type='qemu'>")
                + "<name>" + full + "</name>"
                + "<memory unit='MiB'>" + memoryMiB + "</memory><vcpu>1</vcpu>"
                + "<os><type arch='x86_64' machine='q35'>hvm</type><boot dev='hd'/></os>"
                + (kvm ? "<cpu mode='custom' match='exact' check='none'><model fallback='forbid'>kvm64</model></cpu>" : "")
                + "<devices>"
                + "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='" + disk + "'/>"
                + "<target dev='vda' bus='virtio'/></disk>"
                + extraDevices
                + "<controller type='usb' model='none'/><memballoon model='none'/>"
                + "</devices></domain>";
        Path file = directory.resolve("domain.xml");
        Files.writeString(file, xml, StandardCharsets.UTF_8);
        virsh("define", file.toString());
        defined.add(full);
        return new Domain(full, uuid(full), directory, List.of(disk));
    }

    public void start(Domain domain) throws IOException {
        virsh("start", domain.name());
    }

    public String uuid(String fullName) throws IOException {
        return virsh("domuuid", fullName).strip();
    }

    /** libvirt's own state word for the domain, e.g. {@code running}, {@code paused}, {@code shut off}. */
    public String state(Domain domain) throws IOException {
        return virsh("domstate", domain.uuid()).strip();
    }

    /** Renames an inactive domain; returns the new full name. */
    public String rename(Domain domain, String newName) throws IOException {
        String full = named(newName);
        virsh("domrename", domain.name(), full);
        defined.add(full);
        return full;
    }

    public void undefine(String fullName) throws IOException {
        destroyQuietly(fullName);
        virsh("undefine", fullName, "--managed-save", "--checkpoints-metadata");
        defined.remove(fullName);
    }

    /**
     * Writes {@code value} into disk {@code disk} ({@code vda}, {@code vdb}, ...) of a running domain through
     * QEMU's block layer, on the device's active layer, as its guest would.
     */
    public static void write(Domain domain, String disk, int value, long offset, long length) throws IOException {
        String device = "/machine/peripheral/virtio-disk" + (disk.charAt(2) - 'a') + "/virtio-backend";
        String out = virsh("qemu-monitor-command", domain.uuid(), "--hmp", "qemu-io -d " + device + " \"write -P "
                + value + " " + offset + " " + length + "\"");
        if (out.contains("rror")) {
            throw new IOException("writing into " + disk + " of " + domain.name() + " failed: " + out);
        }
    }

    public static String virsh(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("virsh", "-q", "-c", URI));
        command.addAll(List.of(args));
        return exec(command);
    }

    public static String exec(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + out);
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static void destroyQuietly(String fullName) {
        try {
            virsh("destroy", fullName);
        } catch (IOException notRunning) {
            // an inactive domain has nothing to destroy
        }
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (String name : defined) {
            try {
                undefine(name);
            } catch (IOException e) {
                boolean gone = e.getMessage().contains("failed to get domain");
                if (!gone && first == null) {
                    first = e;
                }
            }
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
