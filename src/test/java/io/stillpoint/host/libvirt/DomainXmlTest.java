package io.stillpoint.host.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stillpoint.host.GuestState;
import io.stillpoint.host.HostException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What Stillpoint reads from a domain's XML, and what it refuses to read. */
class DomainXmlTest {

    private static final String DOMAIN = """
            <domain type='kvm' id='3'>
              <name>db01</name>
              <uuid>6c11aea3-d7eb-499a-bf1d-e89e2252f65c</uuid>
              <metadata>
                <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
                  <libosinfo:os id="http://debian.org/debian/12"/>
                </libosinfo:libosinfo>
              </metadata>
              <memory unit='GiB'>2</memory>
              <devices>
                <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
                  <source file='/var/lib/libvirt/images/db01/root.qcow2'/><target dev='vda' bus='virtio'/></disk>
                <disk type='file' device='cdrom'><driver name='qemu' type='raw'/>
                  <source file='/srv/iso/debian.iso'/><target dev='sda' bus='sata'/></disk>
                <disk type='file' device='disk'><driver name='qemu' type='raw'/>
                  <source file='/srv/data/db01-data.img'/><target dev='vdb' bus='virtio'/></disk>
                %s
                <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0' state='connected'/></channel>
              </devices>
            </domain>
            """;

    @Test
    void readsIdentityMemoryDisksAndAgent() {
        DomainXml xml = DomainXml.parse(DOMAIN.formatted(""));
        assertThat(xml.uuid()).isEqualTo("6c11aea3-d7eb-499a-bf1d-e89e2252f65c");
        assertThat(xml.name()).isEqualTo("db01");
        assertThat(xml.memoryBytes()).isEqualTo(2L << 30);
        assertThat(xml.guestOs()).isEqualTo("http://debian.org/debian/12");
        assertThat(xml.agentConfigured()).isTrue();
        assertThat(xml.agentConnected()).isTrue();
        assertThat(xml.disks()).containsExactly(Path.of("/var/lib/libvirt/images/db01/root.qcow2"),
                Path.of("/srv/data/db01-data.img"));
        assertThat(xml.blockedReason()).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "<disk type='block' device='disk'><driver name='qemu' type='raw'/><source dev='/dev/sdb'/><target dev='vdc'/></disk>"
                + " | disk 'vdc' is the block device /dev/sdb (type='block')",
        "<disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='rbd' name='p/i'/>"
                + "<target dev='vdc'/></disk> | disk 'vdc' is a network disk (type='network', protocol 'rbd')",
        "<disk type='block' device='lun'><source dev='/dev/sdc'/><target dev='sdb'/></disk>"
                + " | disk 'sdb' passes a LUN through (device='lun')",
        "<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='p' volume='v'/>"
                + "<target dev='vdc'/></disk> | disk 'vdc' is of type 'volume', not a file",
        "<disk type='file' device='disk'><driver name='qemu' type='vmdk'/><source file='/srv/x.vmdk'/>"
                + "<target dev='vdc'/></disk> | disk 'vdc' is a vmdk image, not qcow2 or raw",
    })
    void namesTheDiskStillpointCannotSnapshot(String disk, String reason) {
        DomainXml xml = DomainXml.parse(DOMAIN.formatted(disk));
        assertThat(xml.blockedReason()).contains(reason);
        assertThat(xml.disks()).hasSize(2);
    }

    @Test
    void aDomainWithoutTheAgentChannelCannotQuiesce() {
        DomainXml xml = DomainXml.parse(DOMAIN.formatted("").replace("org.qemu.guest_agent.0", "org.example.other"));
        assertThat(xml.agentConfigured()).isFalse();
    }

    @Test
    void refusesADoctypeSoNoEntityIsExpanded() {
        String withEntity = "<?xml version='1.0'?><!DOCTYPE domain [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
                + "<domain><name>&x;</name><uuid>6c11aea3-d7eb-499a-bf1d-e89e2252f65c</uuid></domain>";
        assertThatThrownBy(() -> DomainXml.parse(withEntity)).isInstanceOf(HostException.class)
                .hasMessageContaining("DOCTYPE");
    }

    @ParameterizedTest
    @CsvSource({"1, false, RUNNING", "2, false, RUNNING", "3, false, PAUSED", "7, false, PAUSED", "5, false, OFF",
            "5, true, SAVED", "4, false, OFF", "6, false, OFF", "0, false, OFF"})
    void mapsLibvirtsStates(int libvirtState, boolean saved, GuestState expected) {
        assertThat(LibvirtHypervisor.guestState(libvirtState, saved)).isEqualTo(expected);
    }
}
