package io.stillpoint.host.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stillpoint.host.InvalidHostSettingsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Which libvirt URIs a host may use: none that makes libvirt run a program the URI chooses. */
class LibvirtUriTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"qemu:///system", "qemu:///session", "qemu+ssh://backup@kvm01.example.org/system",
            "qemu+ssh://kvm01:2222/system?keyfile=/root/.ssh/id_ed25519&no_verify=1",
            "qemu+libssh2://root@10.0.0.5/system?known_hosts=/root/.ssh/known_hosts",
            "qemu+tls://kvm01/system?pkipath=/etc/pki/libvirt", "qemu+tcp://[fd00::5]:16509/system",
            "qemu+unix:///system?mode=direct&no_tty=1", "test:///default"})
    void acceptsTheQemuDriverOverOrdinaryTransports(String uri) {
        assertThat(LibvirtUri.check(uri)).isEqualTo(uri);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "qemu+ext:///system?command=/tmp/x | transport 'ext'",
        "QEMU+EXT:///system | transport 'ext'",
        "qemu+ssh://h/system?command=/tmp/x | query parameter 'command'",
        "qemu+ssh://h/system?netcat=/tmp/x | query parameter 'netcat'",
        "qemu+ssh://h/system?proxy=native | query parameter 'proxy'",
        "qemu+unix:///system?socket=/tmp/sock | query parameter 'socket'",
        "qemu+ssh://h/system?no_verify=1;comm%61nd=/tmp/x | query parameter 'command'",
        "qemu+ssh://-oProxyCommand=x/system | host '-oProxyCommand=x'",
        "qemu+ssh://-oProxyCommand=x@h/system | user '-oProxyCommand=x'",
        "xen:///system | driver 'xen'",
        "lxc:/// | driver 'lxc'",
        "qemu:///embed?root=/tmp/x | must end in /system or /session",
        "hail | not a libvirt URI",
        "' ' | required",
    })
    void refusesWhatCouldRunAProgramAndSaysWhich(String uri, String named) {
        assertThatThrownBy(() -> LibvirtUri.check(uri)).isInstanceOf(InvalidHostSettingsException.class)
                .hasMessageStartingWith("uri: ").hasMessageContaining(named);
    }

    /** The refusal comes before libvirt sees the URI: the program it names never runs. */
    @ParameterizedTest
    @ValueSource(strings = {"qemu+ext:///system?command=%s", "qemu+ssh://h/system?command=%s",
            "qemu+ssh://h/system?netcat=%s"})
    void aRefusedUriRunsNothing(String template) throws IOException {
        Path ran = dir.resolve("ran");
        Path program = dir.resolve("x");
        Files.writeString(program, "#!/bin/sh\ntouch " + ran + "\n");
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));
        LibvirtHypervisorFactory factory = new LibvirtHypervisorFactory(dir.resolve("hosts"));

        assertThatThrownBy(() -> factory.create("evil", Map.of("uri", String.format(template, program))))
                .isInstanceOf(InvalidHostSettingsException.class)
                .satisfies(e -> assertThat(((InvalidHostSettingsException) e).field()).isEqualTo("uri"));

        assertThat(ran).doesNotExist();
        assertThat(dir.resolve("hosts").resolve("evil")).doesNotExist();
    }

    @Test
    void aHostThatCannotBeReachedIsRefusedNamingItsUri() {
        LibvirtHypervisorFactory factory = new LibvirtHypervisorFactory(dir.resolve("hosts"));
        String unreachable = "qemu+tcp://127.0.0.1:1/system";
        assertThatThrownBy(() -> factory.create("far", Map.of("uri", unreachable)))
                .isInstanceOf(InvalidHostSettingsException.class).hasMessageStartingWith("uri: ")
                .hasMessageContaining(unreachable);
    }

    /** The libvirt writer works on the disk files: only a URI without a host reaches this machine's own. */
    @Test
    void onlyAUriWithoutAHostIsThisMachinesLibvirtd() {
        assertThat(LibvirtUri.isLocal("qemu:///system")).isTrue();
        assertThat(LibvirtUri.isLocal("qemu+unix:///system")).isTrue();
        assertThat(LibvirtUri.isLocal("qemu+ssh://backup@kvm2.example.org/system")).isFalse();
        assertThat(LibvirtUri.isLocal("qemu+tcp://10.0.0.5:16509/system")).isFalse();
    }
}
