package io.stillpoint.host.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.host.GuestState;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.HostException;
import io.stillpoint.host.InvalidGuestSpecException;
import io.stillpoint.testing.QemuLab;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stillpoint starts a QEMU guest again (after a {@code stop} backup, a restore) with its own rights, so
 * it must never run what a process says it is ({@code argv[0]}, which {@code exec -a} sets to anything),
 * nor a command line another user chose. Real QEMUs, started as root and as {@code nobody}, with a
 * script standing by that would leave a marker if anyone ran it.
 */
class QemuRelaunchTest {

    private static final String QEMU = "/usr/bin/qemu-system-x86_64";
    private static final long MIB = 1L << 20;

    @TempDir
    Path dir;

    private QemuLab lab;
    private QemuHypervisor host;
    private Path evil;
    private Path marker;
    private Process bystander;

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue(TrustedExecutables.ownUid() == 0, "starting QEMU as another user needs root");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        lab = new QemuLab(dir);
        Files.setPosixFilePermissions(dir.resolve("run"), PosixFilePermissions.fromString("rwxrwxrwx"));
        Path own = Files.createDirectories(dir.resolve("nobody"));
        Files.setPosixFilePermissions(own, PosixFilePermissions.fromString("rwxrwxrwx"));
        marker = own.resolve("ran-as");
        evil = own.resolve("qemu-evil");
        Files.writeString(evil, "#!/bin/sh\nid -u > '" + marker + "'\n");
        Files.setPosixFilePermissions(evil, PosixFilePermissions.fromString("rwxrwxrwx"));
        host = new QemuHypervisor("kvm1", dir.resolve("host"), QemuHypervisorTest.DEADLINES);
    }

    @AfterEach
    void tearDown() throws IOException {
        if (bystander != null) {
            bystander.destroyForcibly();
        }
        if (host != null) {
            host.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    /** {@code exec -a <evil> qemu-system-x86_64 ...}, through {@code launcher}. */
    private static List<String> calledEvil(List<String> launcher, Path evil) {
        List<String> argv = new java.util.ArrayList<>(launcher);
        argv.addAll(List.of("bash", "-c", "exec -a \"$0\" \"$@\"", evil.toString()));
        return argv;
    }

    @Test
    void aQemuRunByAnotherUserIsRefusedAndNothingOfItsRuns() throws IOException {
        QemuLab.Guest guest = lab.prepare("nobody01", 16 * MIB);
        QemuLab.exec(List.of("chown", "-R", "nobody:nogroup", guest.directory().toString()));
        lab.launch(guest, 64, calledEvil(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"), evil),
                "qemu-system-x86_64");

        assertThatThrownBy(() -> host.register(Map.of("qmpSocket", guest.qmpSocket().toString())))
                .isInstanceOfSatisfying(InvalidGuestSpecException.class,
                        e -> assertThat(e.field()).isEqualTo("qmpSocket"))
                .hasMessageContaining("runs as uid 65534, not as Stillpoint's own user (uid 0)");

        assertThat(host.guests()).isEmpty();
        assertThat(dir.resolve("host/guests")).isEmptyDirectory();
        assertThat(guest.directory().resolve("launch.json")).doesNotExist();
        assertThat(marker).doesNotExist();
    }

    @Test
    void aRootOwnedCopyOfQemuOutsideTheAllowListIsRefused() throws IOException {
        Path opt = Files.createDirectories(dir.resolve("opt"));
        Path copy = Files.copy(Path.of(QEMU), opt.resolve("qemu-system-x86_64"));
        // QEMU finds its firmware and modules relative to its executable (../share/qemu, ../lib/<arch>/qemu).
        Files.createSymbolicLink(dir.resolve("share"), Path.of("/usr/share"));
        Files.createSymbolicLink(dir.resolve("lib"), Path.of("/usr/lib"));
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwxr-xr-x"));
        QemuLab.Guest guest = lab.prepare("copy01", 16 * MIB);
        lab.launch(guest, 64, calledEvil(List.of(), evil), copy.toString());

        assertThatThrownBy(() -> host.register(Map.of("qmpSocket", guest.qmpSocket().toString())))
                .isInstanceOfSatisfying(InvalidGuestSpecException.class,
                        e -> assertThat(e.field()).isEqualTo("qmpSocket"))
                .hasMessageContaining("runs a program Stillpoint may not start")
                .hasMessageContaining("'" + copy + "' is not one of the executables the server's configuration allows"
                        + " (stillpoint.qemu.binaries");

        assertThat(host.guests()).isEmpty();
        assertThat(marker).doesNotExist();
    }

    @Test
    void argv0IsNeverRunTheVettedExecutableIs() throws IOException {
        QemuLab.Guest guest = lab.prepare("named01", 16 * MIB);
        lab.launch(guest, 64, calledEvil(List.of(), evil), "qemu-system-x86_64");
        assertThat(Files.readString(Path.of("/proc", Long.toString(QemuLab.pid(guest)), "cmdline")))
                .as("the process calls itself the evil script").startsWith(evil.toString());

        host.register(Map.of("qmpSocket", guest.qmpSocket().toString()));

        GuestRegistration registration = host.registration("named01");
        assertThat(registration.binary()).isEqualTo(QEMU);
        assertThat(registration.ownerUid()).isZero();
        assertThat(Files.readString(guest.directory().resolve("launch.json"))).contains("\"" + QEMU + "\"")
                .doesNotContain(evil.toString());
        assertThat(Files.readString(guest.directory().resolve("start.sh"))).contains("exec \\\n  '" + QEMU + "'")
                .doesNotContain(evil.toString());

        host.stop("named01");
        host.start("named01");

        assertThat(host.guest("named01").state()).isEqualTo(GuestState.RUNNING);
        assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(QemuLab.pid(guest)), "exe")))
                .isEqualTo(Path.of(QEMU));
        assertThat(marker).doesNotExist();
    }

    @Test
    void aGuestWhoseExecutableIsNoLongerAllowedIsNeitherStoppedForABackupNorStarted() throws IOException {
        QemuLab.Guest guest = lab.start("db01", 64, 16 * MIB);
        host.register(Map.of("qmpSocket", guest.qmpSocket().toString()));
        host.close();
        host = new QemuHypervisor("kvm1", dir.resolve("host"), QemuHypervisorTest.DEADLINES,
                new TrustedExecutables(List.of("/usr/bin/qemu-system-aarch64"), QemuConfig.BINARIES_KEY));

        assertThatThrownBy(() -> host.hold("db01", HoldMode.STOP)).isInstanceOf(HostException.class)
                .hasMessageContaining("is not started").hasMessageContaining("not one of the executables");
        assertThat(host.guest("db01").state()).as("refused before the guest was stopped").isEqualTo(GuestState.RUNNING);

        host.stop("db01");
        assertThatThrownBy(() -> host.start("db01")).isInstanceOf(HostException.class)
                .hasMessageContaining("is not started");
        assertThat(QemuHypervisor.findPid(guest.qmpSocket())).as("no QEMU was started").isEqualTo(-1);
    }

    @Test
    void aSocketNamedThroughALinkIsFoundAsTheSameFile() throws IOException {
        QemuLab.Guest guest = lab.start("linked01", 64, 16 * MIB);
        Path alias = Files.createSymbolicLink(dir.resolve("alias"), dir.resolve("run"));

        host.register(Map.of("qmpSocket", alias.resolve("linked01.qmp").toString()));

        assertThat(host.registration("linked01").binary()).isEqualTo(QEMU);
        assertThatThrownBy(() -> host.register(Map.of("qmpSocket", guest.qmpSocket().toString())))
                .isInstanceOfSatisfying(InvalidGuestSpecException.class, e -> assertThat(e.field()).isEqualTo("qmpSocket"))
                .hasMessageContaining("is registered with");
    }

    @Test
    void aPidFileMustNameTheProcessThatServesTheSocket() throws IOException {
        QemuLab.Guest guest = lab.start("db02", 64, 16 * MIB);
        bystander = new ProcessBuilder("sleep", "600").start();
        Path lie = Files.writeString(dir.resolve("lie.pid"), Long.toString(bystander.pid()));

        assertThatThrownBy(() -> host.register(Map.of("qmpSocket", guest.qmpSocket().toString(),
                        "pidFile", lie.toString())))
                .isInstanceOfSatisfying(InvalidGuestSpecException.class, e -> assertThat(e.field()).isEqualTo("pidFile"))
                .hasMessageContaining("does not listen on the QMP socket");
        assertThat(host.guests()).isEmpty();
    }

    @Test
    void aPidFileRewrittenToAnotherProcessNeverGetsThatProcessSignalled() throws IOException {
        QemuLab.Guest guest = lab.start("db03", 64, 16 * MIB);
        host.register(Map.of("qmpSocket", guest.qmpSocket().toString()));
        long qemu = QemuLab.pid(guest);
        bystander = new ProcessBuilder("sleep", "600").start();
        Files.writeString(guest.pidFile(), Long.toString(bystander.pid()));
        try {
            host.stop("db03");

            assertThat(bystander.isAlive()).as("Stillpoint signals only its own QEMU").isTrue();
            assertThat(QemuHypervisor.processRunning(qemu)).isTrue();
        } finally {
            Files.writeString(guest.pidFile(), Long.toString(qemu));
        }
    }
}
