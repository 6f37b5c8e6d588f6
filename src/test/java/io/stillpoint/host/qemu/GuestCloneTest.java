package io.stillpoint.host.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.host.HostException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The identity a restored QEMU guest gets when it becomes a new guest beside the original. */
class GuestCloneTest {

    @TempDir
    Path dir;

    private static final String ORIGINAL_MAC = "52:54:00:12:34:56";
    private static final String QEMU = "/usr/bin/qemu-system-x86_64";
    private static final TrustedExecutables BINARIES = new TrustedExecutables(List.of(QEMU), "stillpoint.qemu.binaries");

    @Test
    void everythingTheOriginalOwnedMovesToTheClone() throws IOException {
        Path original = Files.createDirectories(dir.resolve("web01"));
        Path run = dir.resolve("run");
        List<String> argv = List.of("qemu-system-x86_64",
                "-name", "guest=web01,debug-threads=on",
                "-uuid", "0f9c1c5e-2f51-4c7f-9d1d-1a7c0e1b2a3c",
                "-daemonize", "-pidfile", "/run/qemu/web01.pid",
                "-qmp", "unix:/run/qemu/web01.qmp,server=on,wait=off",
                "-chardev", "socket,id=mon1,path=/run/qemu/web01.mon,server=on,wait=off",
                "-mon", "chardev=mon1,mode=control",
                "-chardev", "socket,id=qga0,path=/run/qemu/web01.qga,server=on,wait=off",
                "-chardev", "file,id=serial0,path=/var/log/qemu/web01-serial.log",
                "-blockdev", "{\"driver\":\"file\",\"node-name\":\"f0\",\"filename\":\"" + original + "/root.qcow2\"}",
                "-drive", "file=" + original + "/data.raw,format=raw,if=virtio",
                "-netdev", "user,id=n0",
                "-device", "virtio-net-pci,netdev=n0,mac=" + ORIGINAL_MAC,
                "-device", "e1000,netdev=n1",
                "-device", "{\"driver\":\"rtl8139\",\"netdev\":\"n2\",\"mac\":\"" + ORIGINAL_MAC + "\"}",
                "-device", "virtio-blk-pci,drive=vd0,id=vd0",
                "-nic", "user,model=virtio-net-pci,mac=" + ORIGINAL_MAC);
        GuestRegistration web01 = new GuestRegistration("web01", original.toString(), 64L << 20, List.of(
                new GuestRegistration.Disk("vd0", original + "/root.qcow2", "qcow2", "/machine/peripheral/vd0/virtio-backend"),
                new GuestRegistration.Disk("vd1", original + "/data.raw", "raw", "/machine/peripheral/vd1/virtio-backend")),
                "/run/qemu/web01.qmp", "/run/qemu/web01.qga", "/run/qemu/web01.pid", argv, QEMU, 0L);
        Files.writeString(original.resolve("root.qcow2"), "root");
        Files.writeString(original.resolve("data.raw"), "data");
        LaunchFiles.write(web01);
        Path restored = dir.resolve("web02");
        Files.move(original, restored);

        GuestRegistration clone = GuestClone.of(restored, "web02", run.resolve("web02"), BINARIES);

        Path runs = run.resolve("web02");
        assertThat(clone.name()).isEqualTo("web02");
        assertThat(clone.diskPaths()).containsExactly(restored.resolve("web02-disk0.qcow2"), restored.resolve("web02-disk1.raw"));
        assertThat(restored.resolve("web02-disk0.qcow2")).hasContent("root");
        assertThat(restored.resolve("root.qcow2")).doesNotExist();
        assertThat(clone.disks()).extracting(GuestRegistration.Disk::device)
                .containsExactly("/machine/peripheral/vd0/virtio-backend", "/machine/peripheral/vd1/virtio-backend");
        assertThat(clone.qmpSocket()).isEqualTo(runs.resolve("qmp.sock").toString());
        assertThat(clone.agentSocket()).isEqualTo(runs.resolve("qga.sock").toString());
        assertThat(clone.pidFile()).isEqualTo(runs.resolve("qemu.pid").toString());
        List<String> cloned = clone.commandLine();
        assertThat(String.join(" ", cloned)).doesNotContain("web01").doesNotContain("/run/qemu")
                .doesNotContain(ORIGINAL_MAC).doesNotContain("0f9c1c5e").doesNotContain("/var/log");
        assertThat(after(cloned, "-name")).isEqualTo("guest=web02,debug-threads=on");
        assertThat(after(cloned, "-uuid")).matches("[0-9a-f-]{36}");
        assertThat(after(cloned, "-pidfile")).isEqualTo(clone.pidFile());
        assertThat(after(cloned, "-qmp")).isEqualTo("unix:" + clone.qmpSocket() + ",server=on,wait=off");
        assertThat(cloned).contains("socket,id=mon1,path=" + runs.resolve("1.sock") + ",server=on,wait=off",
                "socket,id=qga0,path=" + clone.agentSocket() + ",server=on,wait=off",
                "file,id=serial0,path=" + runs.resolve("serial0.out"),
                "file=" + restored + "/web02-disk1.raw,format=raw,if=virtio",
                "virtio-blk-pci,drive=vd0,id=vd0");
        assertThat(cloned).anyMatch(a -> a.contains("\"filename\":\"" + restored + "/web02-disk0.qcow2\""));
        List<String> macs = cloned.stream().flatMap(a -> java.util.regex.Pattern
                .compile("52:54:00(:[0-9a-f]{2}){3}").matcher(a).results().map(r -> r.group())).toList();
        assertThat(macs).as("each NIC, with or without a MAC before, gets a new one").hasSize(4).doesNotHaveDuplicates();
    }

    @Test
    void aFolderWithoutLaunchJsonIsNotAQemuGuest() throws IOException {
        Path restored = Files.createDirectories(dir.resolve("vm"));
        Files.writeString(restored.resolve("disk0.qcow2"), "x");

        assertThatThrownBy(() -> GuestClone.of(restored, "vm2", dir.resolve("run"), BINARIES))
                .isInstanceOf(HostException.class).hasMessageContaining("launch.json");
    }

    @Test
    void aSocketPathTooLongForUnixSocketsIsRefusedBeforeAnythingIsRenamed() throws IOException {
        Path original = Files.createDirectories(dir.resolve("a"));
        Files.writeString(original.resolve("disk0.qcow2"), "x");
        LaunchFiles.write(new GuestRegistration("a", original.toString(), 1, List.of(new GuestRegistration.Disk("vd0",
                original + "/disk0.qcow2", "qcow2", "")), "/run/a.qmp", null, null,
                List.of("qemu-system-x86_64", "-qmp", "unix:/run/a.qmp,server=on,wait=off"), QEMU, 0L));

        assertThatThrownBy(() -> GuestClone.of(original, "b", dir.resolve("r".repeat(120)), BINARIES))
                .isInstanceOf(HostException.class).hasMessageContaining("107 bytes").hasMessageContaining("shorter");
        assertThat(original.resolve("disk0.qcow2")).exists();
    }

    /** A guest folder whose launch.json its owner rewrote before the backup, as a restore brings it back. */
    private Path tampered(String firstWord, String... options) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("tampered"));
        Files.writeString(folder.resolve("disk0.qcow2"), "x");
        List<String> argv = new java.util.ArrayList<>(List.of(QEMU, "-qmp", "unix:/run/t.qmp,server=on,wait=off"));
        argv.addAll(List.of(options));
        LaunchFiles.write(new GuestRegistration("t", folder.toString(), 1, List.of(new GuestRegistration.Disk("vd0",
                folder + "/disk0.qcow2", "qcow2", "")), "/run/t.qmp", null, null, argv, QEMU, 0L));
        Path launch = folder.resolve("launch.json");
        Files.writeString(launch, Files.readString(launch).replace("\"" + QEMU + "\"", "\"" + firstWord + "\""));
        return folder;
    }

    @Test
    void aRestoredLaunchFileNamesAnEmulatorButNeverThePathThatRuns() throws IOException {
        Path restored = tampered("/home/mallory/bin/qemu-system-x86_64");

        GuestRegistration clone = GuestClone.of(restored, "t2", dir.resolve("run"), BINARIES);

        assertThat(clone.binary()).isEqualTo(QEMU);
        LaunchFiles.write(clone);
        assertThat(Files.readString(restored.resolve("start.sh"))).contains("exec \\\n  '" + QEMU + "'")
                .doesNotContain("mallory");
        assertThat(Files.readString(restored.resolve("launch.json"))).doesNotContain("mallory");
    }

    @Test
    void aRestoredLaunchFileNamingNoAllowedEmulatorIsRefusedBeforeAnythingIsRenamed() throws IOException {
        Path restored = tampered("/home/mallory/bin/qemu-evil");

        assertThatThrownBy(() -> GuestClone.of(restored, "t2", dir.resolve("run"), BINARIES))
                .isInstanceOf(HostException.class).hasMessageContaining("'/home/mallory/bin/qemu-evil'")
                .hasMessageContaining("no QEMU executable the server allows (stillpoint.qemu.binaries: " + QEMU + ")");
        assertThat(restored.resolve("disk0.qcow2")).exists();
    }

    @Test
    void aRestoredCommandLineThatWouldRunAProgramOfTheHostIsRefused() throws IOException {
        for (String[] options : List.of(new String[] {"-netdev", "tap,id=n0,script=/home/mallory/up"},
                new String[] {"-netdev", "bridge,id=n0,br=br0,helper=/home/mallory/helper"},
                new String[] {"-nic", "tap,downscript=/home/mallory/down"},
                new String[] {"-plugin", "/home/mallory/plugin.so"},
                new String[] {"-readconfig", "/home/mallory/qemu.cfg"})) {
            Path restored = tampered(QEMU, options);
            assertThatThrownBy(() -> GuestClone.of(restored, "t2", dir.resolve("run"), BINARIES)).as(options[1])
                    .isInstanceOf(HostException.class).hasMessageContaining(options[0])
                    .hasMessageContaining("does not start it as a new guest");
            assertThat(restored.resolve("disk0.qcow2")).exists();
        }
        Path plainTap = tampered(QEMU, "-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no");
        assertThat(GuestClone.of(plainTap, "t2", dir.resolve("run"), BINARIES).commandLine())
                .contains("tap,id=n0,ifname=tap0,script=no,downscript=no");
    }

    @Test
    void aNameWithACommaIsOneQemuOptionValue() throws IOException {
        Path restored = tampered(QEMU, "-name", "guest=t,,1,debug-threads=on");

        GuestRegistration clone = GuestClone.of(restored, "web, 02", dir.resolve("run"), BINARIES);

        assertThat(after(clone.commandLine(), "-name")).isEqualTo("guest=web,, 02,debug-threads=on");
        assertThat(clone.diskPaths()).allSatisfy(d -> assertThat(d.getParent()).isEqualTo(restored));
    }

    private static String after(List<String> argv, String flag) {
        return argv.get(argv.indexOf(flag) + 1);
    }
}
