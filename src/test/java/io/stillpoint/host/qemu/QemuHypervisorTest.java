package io.stillpoint.host.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.host.GuestHold;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestState;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.HostException;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.InvalidGuestSpecException;
import io.stillpoint.host.InvalidHostSettingsException;
import io.stillpoint.testing.AgentStandIn;
import io.stillpoint.testing.QemuLab;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The QEMU host against real qemu-system-x86_64 guests that boot no OS; a stand-in answers for the guest
 * agent where it must misbehave (hang, refuse, stay silent). {@link QemuLinuxGuestTest} holds a real Linux
 * guest with its real agent, and runs the hypervisor contract.
 */
class QemuHypervisorTest {

    static final QemuDeadlines DEADLINES = new QemuDeadlines(Duration.ofSeconds(10), Duration.ofMillis(300),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(60));

    @TempDir
    Path dir;

    private QemuLab lab;
    private AgentStandIn agent;
    private QemuHypervisor host;
    private QemuLab.Guest db;
    private QemuLab.Guest legacy;

    @BeforeEach
    void startGuests() throws IOException {
        lab = new QemuLab(dir);
        db = lab.start("db01", 64, 64L << 20);
        legacy = lab.start("legacy01", 64, 32L << 20, 16L << 20);
        agent = new AgentStandIn(db.agentSocket());
        host = new QemuHypervisor("kvm1", dir.resolve("host"), DEADLINES);
        host.register(Map.of("qmpSocket", db.qmpSocket().toString(), "guestAgentSocket", agent.socket().toString()));
        host.register(Map.of("qmpSocket", legacy.qmpSocket().toString()));
    }

    @AfterEach
    void stopGuests() throws IOException {
        host.close();
        agent.close();
        lab.close();
    }

    @Test
    void registrationDiscoversNameMemoryDisksAndCommandLine() throws IOException {
        GuestInfo info = host.guest("legacy01");
        assertThat(info.name()).isEqualTo("legacy01");
        assertThat(info.memoryBytes()).isEqualTo(64L << 20);
        assertThat(info.directory()).isEqualTo(legacy.directory());
        assertThat(info.disks()).containsExactlyElementsOf(legacy.disks());
        GuestRegistration registration = host.registration("legacy01");
        assertThat(registration.disks()).extracting(GuestRegistration.Disk::node).containsExactly("vd0", "vd1");
        assertThat(registration.disks()).extracting(GuestRegistration.Disk::device)
                .containsExactly("/machine/peripheral/vd0/virtio-backend", "/machine/peripheral/vd1/virtio-backend");
        assertThat(registration.pidFile()).isEqualTo(legacy.pidFile().toString());
        assertThat(registration.commandLine()).containsExactlyElementsOf(QemuLab.commandLine(legacy, 64));
        assertThat(dir.resolve("host/guests/legacy01.json")).isRegularFile();
        assertThat(Files.readString(legacy.directory().resolve("launch.json"))).contains("${DIR}/disk0.qcow2");
        assertThat(Files.readString(legacy.directory().resolve("start.sh")))
                .contains("'\"$DIR\"'/disk1.qcow2", "exec", "-incoming");
        assertThat(Files.isExecutable(legacy.directory().resolve("start.sh"))).isTrue();
    }

    @Test
    void aGuestWithoutPidFileIsFoundByItsSocketAndStartedAgain() throws IOException {
        QemuLab.Guest plain = lab.start("plain01", 64, false, 16L << 20);
        GuestInfo info = host.register(Map.of("qmpSocket", plain.qmpSocket().toString()));
        assertThat(info.state()).isEqualTo(GuestState.RUNNING);
        assertThat(host.registration("plain01").pidFile()).isNull();
        long first = QemuHypervisor.findPid(plain.qmpSocket());
        host.stop("plain01");
        assertThat(host.guest("plain01").state()).isEqualTo(GuestState.OFF);
        host.start("plain01");
        assertThat(host.guest("plain01").state()).isEqualTo(GuestState.RUNNING);
        assertThat(QemuHypervisor.findPid(plain.qmpSocket())).isPositive().isNotEqualTo(first);
        host.close();
        host = new QemuHypervisor("kvm1", dir.resolve("host"), DEADLINES);
        assertThat(host.guest("plain01").state()).isEqualTo(GuestState.RUNNING);
    }

    @Test
    void badRegistrationsNameTheSetting() throws IOException {
        assertThatThrownBy(() -> host.register(Map.of()))
                .isInstanceOfSatisfying(InvalidGuestSpecException.class, e -> assertThat(e.field()).isEqualTo("qmpSocket"));
        assertThatThrownBy(() -> host.register(Map.of("qmpSocket", "relative.sock")))
                .isInstanceOfSatisfying(InvalidGuestSpecException.class, e -> assertThat(e.field()).isEqualTo("qmpSocket"));
        assertThatThrownBy(() -> host.register(Map.of("qmpSocket", dir.resolve("nothing.sock").toString())))
                .isInstanceOfSatisfying(InvalidGuestSpecException.class, e -> assertThat(e.field()).isEqualTo("qmpSocket"));
        QemuLab.Guest again = lab.start("again01", 64, 16L << 20);
        assertThatThrownBy(() -> host.register(Map.of("qmpSocket", again.qmpSocket().toString(), "name", "db01")))
                .isInstanceOfSatisfying(InvalidGuestSpecException.class, e -> assertThat(e.field()).isEqualTo("name"));
    }

    @Test
    void aSocketThatNeverAnswersFailsRegistrationWithinTheDeadline() throws IOException {
        Path socket = dir.resolve("stalled.sock");
        try (ServerSocketChannel stalled = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            stalled.bind(UnixDomainSocketAddress.of(socket));
            QemuHypervisor impatient = new QemuHypervisor("impatient", dir.resolve("impatient"), new QemuDeadlines(
                    Duration.ofMillis(300), Duration.ofMillis(300), Duration.ofMillis(300), Duration.ofMillis(300),
                    Duration.ofMillis(300)));
            long started = System.nanoTime();
            assertThatThrownBy(() -> impatient.register(Map.of("qmpSocket", socket.toString())))
                    .isInstanceOf(InvalidGuestSpecException.class).hasMessageContaining("within 300 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void pauseHoldReportsTheWindowQemuStoppedTheGuest() {
        QemuGuestHold hold = (QemuGuestHold) host.hold("db01", HoldMode.PAUSE);
        assertThat(hold.pauseWindow()).isEmpty();
        hold.close();
        PauseWindow window = hold.pauseWindow().orElseThrow();
        assertThat(window.byQemu()).isPositive().isLessThan(Duration.ofSeconds(1));
        assertThat(window.measured()).isGreaterThanOrEqualTo(window.byQemu().minusMillis(1));
    }

    @Test
    void saveStateWritesTheMemoryIntoTheGuestFolderAndAStartResumesFromIt() throws IOException {
        Path vmstate = db.directory().resolve("vmstate.bin");
        Path kept = dir.resolve("vmstate.kept");
        try (GuestHold hold = host.hold("db01", HoldMode.SAVE_STATE)) {
            assertThat(host.guest("db01").state()).isEqualTo(GuestState.SAVED);
            assertThat(vmstate).isRegularFile();
            assertThat(Files.size(vmstate)).isPositive();
            Files.copy(vmstate, kept);
            // A restore in place puts the disks and the saved state back while the guest is off.
            host.stop("db01");
        }
        assertThat(vmstate).doesNotExist();
        host.stop("db01");
        Files.copy(kept, vmstate);
        host.reload("db01");
        assertThat(host.guest("db01").state()).isEqualTo(GuestState.SAVED);
        host.start("db01");
        assertThat(host.guest("db01").state()).isEqualTo(GuestState.RUNNING);
        assertThat(vmstate).doesNotExist();
    }

    @Test
    void aFreezeThatHangsIsThawedAndFailsAtTheDeadline() {
        agent.behave(AgentStandIn.Behaviour.FREEZE_HANGS);
        long started = System.nanoTime();
        assertThatThrownBy(() -> host.hold("db01", HoldMode.FREEZE)).isInstanceOf(HostException.class)
                .hasMessageContaining("db01").hasMessageContaining("thawed again");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
        assertThat(agent.frozen()).isFalse();
        assertThat(agent.commands()).endsWith("guest-fsfreeze-thaw");
        assertThat(host.guest("db01").state()).isEqualTo(GuestState.RUNNING);
    }

    @Test
    void aFreezeThatFailsIsThawed() {
        agent.behave(AgentStandIn.Behaviour.FREEZE_FAILS);
        assertThatThrownBy(() -> host.hold("db01", HoldMode.FREEZE)).isInstanceOf(HostException.class)
                .hasMessageContaining("Device or resource busy");
        assertThat(agent.commands()).endsWith("guest-fsfreeze-thaw");
    }

    /** Nothing frozen is nothing quiesced: a point taken now would claim a consistency it does not have. */
    @Test
    void aFreezeThatFreezesNothingIsThawedAndFails() {
        agent.behave(AgentStandIn.Behaviour.FREEZES_NOTHING);
        assertThatThrownBy(() -> host.hold("db01", HoldMode.FREEZE)).isInstanceOf(HostException.class)
                .hasMessageContaining("db01").hasMessageContaining("froze no file system");
        assertThat(agent.commands()).endsWith("guest-fsfreeze-freeze", "guest-fsfreeze-thaw");
        assertThat(dir.resolve("host/run/db01.frozen")).doesNotExist();
    }

    @Test
    void aSilentAgentIsNotAskedToFreeze() {
        agent.behave(AgentStandIn.Behaviour.SILENT);
        long started = System.nanoTime();
        assertThatThrownBy(() -> host.hold("db01", HoldMode.FREEZE)).isInstanceOf(HostException.class)
                .hasMessageContaining("did not answer");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        assertThat(agent.commands()).isEmpty();
        assertThat(host.guest("db01").state()).isEqualTo(GuestState.RUNNING);
    }

    @Test
    void aRestartedHostFindsItsGuestsAndStartsThemFromTheRegisteredCommandLine() throws IOException {
        host.stop("legacy01");
        host.close();
        host = new QemuHypervisor("kvm1", dir.resolve("host"), DEADLINES);
        assertThat(host.guests()).extracting(GuestInfo::name).containsExactly("db01", "legacy01");
        assertThat(host.guest("db01").state()).isEqualTo(GuestState.RUNNING);
        assertThat(host.guest("legacy01").state()).isEqualTo(GuestState.OFF);
        host.start("legacy01");
        assertThat(host.guest("legacy01").state()).isEqualTo(GuestState.RUNNING);
        assertThat(lab.blockNodes(legacy)).contains("vd0", "vd1");
    }

    @Test
    void aRestoredCopyBecomesANewGuestThatRunsBesideTheOriginal() throws IOException {
        host.stop("legacy01");
        Path copy = host.newGuestDirectory("legacy02");
        Files.createDirectories(copy);
        for (String file : List.of("disk0.qcow2", "disk1.qcow2", "launch.json", "start.sh")) {
            Files.copy(legacy.directory().resolve(file), copy.resolve(file));
        }
        host.start("legacy01");

        GuestInfo clone = host.importGuest(copy, "legacy02");
        try {
            assertThat(clone.state()).isEqualTo(GuestState.OFF);
            assertThat(clone.disks()).containsExactly(copy.resolve("legacy02-disk0.qcow2"), copy.resolve("legacy02-disk1.qcow2"));
            host.start("legacy02");

            assertThat(host.guest("legacy02").state()).isEqualTo(GuestState.RUNNING);
            assertThat(host.guest("legacy01").state()).isEqualTo(GuestState.RUNNING);
            QmpClient qmp = host.qmp("legacy02");
            assertThat(qmp.execute("query-name", null, DEADLINES.command()).path("name").asText()).isEqualTo("legacy02");
            List<String> files = new ArrayList<>();
            qmp.execute("query-block", null, DEADLINES.command()).forEach(b -> files.add(b.path("inserted").path("file").asText()));
            assertThat(files).containsExactlyElementsOf(clone.disks().stream().map(Path::toString).toList());
            assertThat(Files.readString(copy.resolve("launch.json"))).contains("legacy02-disk0.qcow2").doesNotContain("legacy01");
            assertThat(host.registration("legacy02").qmpSocket()).isNotEqualTo(legacy.qmpSocket().toString());
            assertThat(lab.blockNodes(legacy)).contains("vd0", "vd1");
        } finally {
            host.stop("legacy02");
        }
        assertThat(host.guest("legacy02").state()).isEqualTo(GuestState.OFF);
        assertThatThrownBy(() -> host.newGuestDirectory("legacy02")).isInstanceOf(InvalidGuestSpecException.class)
                .hasMessageContaining("already");
        assertThatThrownBy(() -> host.newGuestDirectory("../escape")).isInstanceOf(InvalidGuestSpecException.class);
    }

    @Test
    void aKilledQemuIsReportedOff() throws IOException {
        lab.kill(legacy);
        assertThat(host.guest("legacy01").state()).isEqualTo(GuestState.OFF);
        assertThatThrownBy(() -> host.qmp("legacy01")).isInstanceOf(HostException.class).hasMessageContaining("not running");
    }

    @Test
    void factoryChecksItsSettings() {
        QemuHypervisorFactory factory = new QemuHypervisorFactory(dir.resolve("defaults"),
                new TrustedExecutables(List.of(QemuConfig.DEFAULT_BINARIES.split(",")), QemuConfig.BINARIES_KEY));
        assertThat(factory.kind()).isEqualTo("qemu");
        try (Hypervisor unrooted = factory.create("plain", Map.of())) {
            assertThat(((QemuHypervisor) unrooted).root()).isEqualTo(dir.resolve("defaults/plain"));
        }
        assertThatThrownBy(() -> factory.create("h", Map.of("root", "\0bad")))
                .isInstanceOfSatisfying(InvalidHostSettingsException.class, e -> assertThat(e.field()).isEqualTo("root"));
        assertThatThrownBy(() -> factory.create("h", Map.of("root", dir.resolve("h").toString(),
                "freezeTimeoutMillis", "soon")))
                .isInstanceOfSatisfying(InvalidHostSettingsException.class,
                        e -> assertThat(e.field()).isEqualTo("freezeTimeoutMillis"));
        try (Hypervisor made = factory.create("h", Map.of("root", dir.resolve("h").toString()))) {
            assertThat(made.kind()).isEqualTo("qemu");
            assertThat(made.capabilities().canRegisterGuests()).isTrue();
            assertThat(made.capabilities().canCreateGuests()).isFalse();
            assertThat(made.guests()).isEmpty();
        }
    }
}
