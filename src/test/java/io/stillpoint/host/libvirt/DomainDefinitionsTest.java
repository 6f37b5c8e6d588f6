package io.stillpoint.host.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a new domain keeps of a restore point's definition, and what it must not share with the original. */
class DomainDefinitionsTest {

    private static final String ORIGINAL = """
            <domain type='kvm'>
              <name>web01</name>
              <uuid>4b2c8f1e-0000-4000-8000-000000000001</uuid>
              <memory unit='KiB'>1048576</memory>
              <os><type arch='x86_64' machine='q35'>hvm</type>
                <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>
                <nvram>/var/lib/libvirt/qemu/nvram/web01_VARS.fd</nvram></os>
              <devices>
                <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
                  <source file='/var/lib/libvirt/images/web01.qcow2' index='2'/>
                  <backingStore/><target dev='vda' bus='virtio'/></disk>
                <disk type='file' device='disk'><driver name='qemu' type='raw'/>
                  <source file='/srv/data/web01-data.raw'/><target dev='vdb' bus='virtio'/></disk>
                <disk type='file' device='cdrom'><source file='/srv/iso/debian.iso'/><target dev='sda' bus='sata'/></disk>
                <interface type='network'><mac address='52:54:00:12:34:56'/><source network='default'/></interface>
                <channel type='unix'><source mode='bind' path='/run/web01.agent'/>
                  <target type='virtio' name='org.qemu.guest_agent.0'/></channel>
                <graphics type='vnc' port='5901' autoport='no' listen='127.0.0.1'/>
                <serial type='file'><source path='/var/log/web01-serial.log'/><target port='0'/></serial>
              </devices>
            </domain>
            """;

    @Test
    void aNewDomainGetsItsOwnNameDisksAndNothingTheOriginalHoldsOnTheHost() {
        String copy = DomainDefinitions.forNewDomain(ORIGINAL, "web02", Map.of(
                "vda", Path.of("/var/lib/libvirt/images/web02/vda/web01.qcow2"),
                "vdb", Path.of("/var/lib/libvirt/images/web02/vdb/web01-data.raw")));

        assertThat(copy).contains("<name>web02</name>").doesNotContain("web01_VARS").doesNotContain("<uuid>")
                .doesNotContain("52:54:00:12:34:56").doesNotContain("/run/web01.agent").doesNotContain("5901")
                .doesNotContain("index=").doesNotContain("/var/lib/libvirt/images/web01.qcow2")
                .doesNotContain("/srv/data/web01-data.raw")
                .contains("/var/lib/libvirt/images/web02/vda/web01.qcow2")
                .contains("/var/lib/libvirt/images/web02/vdb/web01-data.raw")
                .contains("/usr/share/OVMF/OVMF_CODE.fd").contains("/srv/iso/debian.iso")
                .contains("org.qemu.guest_agent.0").contains("<source network=\"default\"/>")
                .contains("autoport=\"yes\"").doesNotContain("web01-serial.log").contains("<serial type=\"pty\">");
        assertThat(DomainXml.fileDisks(copy)).extracting(LibvirtBlocks.Disk::format).containsExactly("qcow2", "raw");
    }

    @Test
    void aDiskWithoutARestoredFileIsRefusedRatherThanSharedWithTheOriginal() {
        assertThatThrownBy(() -> DomainDefinitions.forNewDomain(ORIGINAL, "web02",
                Map.of("vda", Path.of("/images/web02/vda/web01.qcow2"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("vdb");
    }

    @Test
    void aDiskPointedAtAnotherFileTakesThatFilesFormat() {
        String moved = DomainDefinitions.withDiskSource(ORIGINAL, "vdb", Path.of("/s/vdb.overlay.qcow2"), "qcow2");
        assertThat(DomainXml.fileDisks(moved)).filteredOn(d -> d.target().equals("vdb")).singleElement()
                .satisfies(d -> {
                    assertThat(d.file()).isEqualTo(Path.of("/s/vdb.overlay.qcow2"));
                    assertThat(d.format()).isEqualTo("qcow2");
                });
        assertThatThrownBy(() -> DomainDefinitions.withDiskSource(ORIGINAL, "vdz", Path.of("/x"), "raw"))
                .hasMessageContaining("vdz");
    }

    /**
     * An instant recovery's disks are overlays whose chain is written out, the point's image below each marked
     * so that libvirt's DAC driver never chowns it.
     */
    @Test
    void anInstantRecoveryRunsOnOverlaysWhosePointImagesLibvirtMustNotRelabel() {
        String xml = DomainDefinitions.forInstantRecovery(ORIGINAL, "web01-now", Map.of(
                "vda", new DomainDefinitions.Overlay(Path.of("/img/web01-now/vda.instant.qcow2"),
                        Path.of("/repo/p/files/vda/web01.qcow2"), "qcow2"),
                "vdb", new DomainDefinitions.Overlay(Path.of("/img/web01-now/vdb.instant.qcow2"),
                        Path.of("/repo/p/files/vdb/web01-data.raw"), "raw")));

        assertThat(DomainXml.fileDisks(xml)).extracting(LibvirtBlocks.Disk::file, LibvirtBlocks.Disk::format)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Path.of("/img/web01-now/vda.instant.qcow2"), "qcow2"),
                        org.assertj.core.groups.Tuple.tuple(Path.of("/img/web01-now/vdb.instant.qcow2"), "qcow2"));
        assertThat(xml.replaceAll(">\\s+<", "><")).contains("<name>web01-now</name>").doesNotContain("<uuid>")
                .contains("<backingStore type=\"file\"><format type=\"raw\"/><source file=\"/repo/p/files/vdb/"
                        + "web01-data.raw\"><seclabel model=\"dac\" relabel=\"no\"/></source><backingStore/>"
                        + "</backingStore>")
                .contains("<source file=\"/repo/p/files/vda/web01.qcow2\"><seclabel model=\"dac\" relabel=\"no\"/>");
    }
}
