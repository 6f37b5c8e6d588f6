package io.stillpoint.boottest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stillpoint.inventory.InvalidRequestException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the sandbox takes from a point's launch.json or domain.xml: disks inside the point, and data only. */
class SandboxDisksTest {

    @TempDir
    Path files;

    @Test
    void readsTheDisksOfALaunchJsonInOrderWithTheirBus() throws IOException {
        Files.writeString(files.resolve("launch.json"), """
                {"memoryBytes": 536870912, "disks": [
                  {"node": "vd0", "format": "qcow2", "file": "${DIR}/disk0.qcow2"},
                  {"node": "sd1", "format": "raw", "file": "${DIR}/data.raw"}],
                 "commandLine": ["/tmp/evil-qemu", "-device", "virtio-blk-pci,drive=vd0", "-device", "ide-hd,drive=sd1,bus=ide.0"]}
                """);

        SandboxDisks machine = SandboxDisks.of(files);

        assertThat(machine.memoryBytes()).isEqualTo(512L << 20);
        assertThat(machine.disks()).containsExactly(new SandboxDisks.Disk(files.resolve("disk0.qcow2"), "qcow2", false),
                new SandboxDisks.Disk(files.resolve("data.raw"), "raw", true));
        assertThat(machine.uefi()).isFalse();
    }

    @Test
    void refusesADiskOutsideThePointOrALink() throws IOException {
        Files.writeString(files.resolve("launch.json"), """
                {"disks": [{"node": "vd0", "format": "qcow2", "file": "${DIR}/../../etc/shadow"}], "commandLine": ["q"]}
                """);
        assertThatThrownBy(() -> SandboxDisks.of(files)).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("not inside the point");

        Files.createSymbolicLink(files.resolve("disk0.qcow2"), Path.of("/etc/hostname"));
        Files.writeString(files.resolve("launch.json"), """
                {"disks": [{"node": "vd0", "format": "qcow2", "file": "${DIR}/disk0.qcow2"}], "commandLine": ["q"]}
                """);
        assertThatThrownBy(() -> SandboxDisks.of(files)).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("is a link");

        Files.createSymbolicLink(files.resolve("etc"), Path.of("/etc"));
        Files.writeString(files.resolve("launch.json"), """
                {"disks": [{"node": "vd0", "format": "raw", "file": "${DIR}/etc/hostname"}], "commandLine": ["q"]}
                """);
        assertThatThrownBy(() -> SandboxDisks.of(files)).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("through a link");

        Files.writeString(files.resolve("launch.json"), """
                {"disks": [{"node": "vd0", "format": "qcow2", "file": "/var/lib/images/other.qcow2"}], "commandLine": ["q"]}
                """);
        assertThatThrownBy(() -> SandboxDisks.of(files)).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("outside the point's folder");
    }

    @Test
    void readsALibvirtPointsDomainXmlWithEachDiskInItsTargetsFolder() throws IOException {
        Files.createDirectories(files.resolve("vda"));
        Files.createFile(files.resolve("vda/root.qcow2"));
        Files.createDirectories(files.resolve("sdb"));
        Files.createFile(files.resolve("sdb/data.img"));
        Files.writeString(files.resolve("domain.xml"), """
                <domain type='kvm'><name>db01</name><memory unit='MiB'>2048</memory>
                  <os><type>hvm</type></os>
                  <devices>
                    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
                      <source file='/var/lib/libvirt/images/root.qcow2'/><target dev='vda' bus='virtio'/></disk>
                    <disk type='file' device='cdrom'><source file='/iso/install.iso'/><target dev='hdc' bus='sata'/></disk>
                    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
                      <source file='/var/lib/libvirt/images/data.img'/><target dev='sdb' bus='sata'/></disk>
                  </devices></domain>
                """);

        SandboxDisks machine = SandboxDisks.of(files);

        assertThat(machine.memoryBytes()).isEqualTo(2048L << 20);
        assertThat(machine.disks()).containsExactly(new SandboxDisks.Disk(files.resolve("vda/root.qcow2"), "qcow2", false),
                new SandboxDisks.Disk(files.resolve("sdb/data.img"), "raw", true));
    }

    @Test
    void refusesAPointThatDescribesNoMachineOrAFormatTheSandboxCannotOpen() throws IOException {
        assertThatThrownBy(() -> SandboxDisks.of(files)).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("neither launch.json nor domain.xml");
        Files.writeString(files.resolve("launch.json"), """
                {"disks": [{"node": "vd0", "format": "vmdk", "file": "${DIR}/disk0.vmdk"}], "commandLine": ["q"]}
                """);
        assertThatThrownBy(() -> SandboxDisks.of(files)).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("vmdk");
    }
}
