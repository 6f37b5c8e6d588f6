package io.stillpoint.host.qemu;

import static io.stillpoint.testing.LinuxConsole.assertConsecutive;
import static io.stillpoint.testing.LinuxGuestImage.BOOT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.stillpoint.host.GuestHold;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestState;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.HostException;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.HypervisorContract;
import io.stillpoint.testing.LinuxConsole;
import io.stillpoint.testing.LinuxGuestImage;
import io.stillpoint.testing.QemuLab;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The QEMU host against a real Linux guest, booted once for the class: the contract with the real
 * qemu-guest-agent as the quiescing guest's, and what each hold does to the guest's own workload, which
 * appends a synced number to a file on its ext4 root five times a second and prints it on the console.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QemuLinuxGuestTest extends HypervisorContract {

    /**
     * Generous for TCG on a busy machine, but a short power button: the SeaBIOS guest never answers it, and
     * the contract stops it twice. {@link #stopShutsTheGuestDownCleanlyAndStartBootsItAgain} waits as long
     * as a real host does.
     */
    static final QemuDeadlines DEADLINES = new QemuDeadlines(Duration.ofSeconds(10), Duration.ofSeconds(3),
            Duration.ofSeconds(5), Duration.ofSeconds(20), Duration.ofSeconds(120));
    /** The workload prints five numbers a second while it has the CPU. */
    static final Duration NEXT_NUMBER = Duration.ofSeconds(30);
    static final String LINUX = "linux01";

    @TempDir
    static Path dir;

    private QemuLab lab;
    private QemuLab.Guest linux;
    private LinuxConsole console;
    private QgaClient agent;
    private QemuHypervisor host;

    @BeforeAll
    void bootTheGuests() throws IOException {
        lab = new QemuLab(dir);
        linux = lab.boot(LINUX, 256, LinuxGuestImage.bootDiskWithWorkload());
        QemuLab.Guest bios = lab.start("bios01", 64, 16L << 20);
        console = new LinuxConsole(linux.consoleLog());
        agent = new QgaClient(linux.agentSocket());
        host = new QemuHypervisor("kvm1", dir.resolve("host"), DEADLINES);
        host.register(Map.of("qmpSocket", linux.qmpSocket().toString(), "guestAgentSocket",
                linux.agentSocket().toString()));
        host.register(Map.of("qmpSocket", bios.qmpSocket().toString()));
    }

    /** Tests stop, save and restart the guest; each starts with it up, its agent answering, its workload running. */
    @BeforeEach
    void awaitTheGuestUp() {
        if (host.guest(LINUX).state() != GuestState.RUNNING) {
            host.start(LINUX);
        }
        QemuLab.awaitAgent(linux, BOOT);
        console.awaitNumber(console.sequence().size(), BOOT);
    }

    @AfterAll
    void stopTheGuests() throws IOException {
        if (host != null) {
            host.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    @Override
    protected Hypervisor hypervisor() {
        return host;
    }

    @Override
    protected String quiescingGuest() {
        return LINUX;
    }

    @Override
    protected String nonQuiescingGuest() {
        return "bios01";
    }

    @Test
    void freezeStopsTheGuestsWritesUntilTheThawAndLosesNone() {
        int from = console.sequence().size();
        long held;
        try (GuestHold hold = host.hold(LINUX, HoldMode.FREEZE)) {
            assertThat(agent.call("guest-fsfreeze-status", DEADLINES.command()).asText()).isEqualTo("frozen");
            long atFreeze = console.lastSequence();
            // A number synced just before the freeze may still be printed; the next append blocks on the
            // frozen file system, so nothing after it reaches the console while the hold lasts.
            await().pollDelay(Duration.ZERO).during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                    .until(() -> console.lastSequence() <= atFreeze + 1);
            held = console.lastSequence();
            assertThat(host.guest(LINUX).state()).isEqualTo(GuestState.RUNNING);
        }
        assertThat(agent.call("guest-fsfreeze-status", DEADLINES.command()).asText()).isEqualTo("thawed");
        int next = console.sequence().indexOf(held) + 1;
        assertThat(console.awaitNumber(next, NEXT_NUMBER)).as("the write the freeze held lands").isEqualTo(held + 1);
        assertConsecutive(console.sequence().subList(Math.max(0, from - 1), next + 1));
    }

    @Test
    void aGuestLeftFrozenByADeadStillpointIsThawedWhenTheHostOpensAgain() throws IOException {
        host.hold(LINUX, HoldMode.FREEZE);
        assertThat(agent.call("guest-fsfreeze-status", DEADLINES.command()).asText()).isEqualTo("frozen");
        host.close();
        host = new QemuHypervisor("kvm1", dir.resolve("host"), DEADLINES);
        assertThat(agent.call("guest-fsfreeze-status", DEADLINES.command()).asText()).isEqualTo("thawed");
        assertThat(dir.resolve("host/run/" + LINUX + ".frozen")).doesNotExist();
        console.awaitNumber(console.sequence().size(), NEXT_NUMBER);
    }

    /**
     * Another tool froze the guest (an admin's own backup, say): the agent refuses a second freeze, and
     * Stillpoint fails the hold without thawing a freeze that is not its own.
     */
    @Test
    void aGuestFrozenBySomeoneElseIsNotHeldAndStaysFrozen() {
        agent.call("guest-fsfreeze-freeze", DEADLINES.freeze());
        try {
            assertThatThrownBy(() -> host.hold(LINUX, HoldMode.FREEZE)).isInstanceOf(HostException.class)
                    .hasMessageContaining(LINUX).hasMessageContaining("frozen");
            assertThat(agent.call("guest-fsfreeze-status", DEADLINES.command()).asText()).isEqualTo("frozen");
            assertThat(dir.resolve("host/run/" + LINUX + ".frozen")).doesNotExist();
        } finally {
            agent.call("guest-fsfreeze-thaw", DEADLINES.freeze());
        }
    }

    /** A hold of Stillpoint's whose thaw never came (it timed out, say) is its own to thaw before the next. */
    @Test
    void aFreezeStillpointNeverThawedIsThawedBeforeTheNext() {
        host.hold(LINUX, HoldMode.FREEZE);
        try (GuestHold next = host.hold(LINUX, HoldMode.FREEZE)) {
            assertThat(agent.call("guest-fsfreeze-status", DEADLINES.command()).asText()).isEqualTo("frozen");
        }
        assertThat(agent.call("guest-fsfreeze-status", DEADLINES.command()).asText()).isEqualTo("thawed");
        assertThat(dir.resolve("host/run/" + LINUX + ".frozen")).doesNotExist();
    }

    @Test
    void saveStateHoldResumesTheWorkloadWithoutAGapOrARestart() {
        int boots = console.boots();
        int from;
        try (GuestHold hold = host.hold(LINUX, HoldMode.SAVE_STATE)) {
            assertThat(host.guest(LINUX).state()).isEqualTo(GuestState.SAVED);
            from = console.sequence().size();
        }
        long next = console.awaitNumber(from, NEXT_NUMBER);
        assertThat(next).isEqualTo(console.sequence().get(from - 1) + 1);
        assertThat(console.boots()).isEqualTo(boots);
    }

    /**
     * The saved memory alone brings the guest back in a new QEMU, as after a restore in place of a
     * save-state point: it goes on where it was, on its disk as it was at the save, and its agent answers.
     */
    @Test
    void aSavedStateStartsInANewQemuWhereTheGuestLeftOff() throws IOException {
        int boots = console.boots();
        Path vmstate = linux.directory().resolve(QemuGuest.VMSTATE_FILE);
        Path kept = dir.resolve("vmstate.kept");
        int from;
        try (GuestHold hold = host.hold(LINUX, HoldMode.SAVE_STATE)) {
            from = console.sequence().size();
            Files.copy(vmstate, kept);
            host.stop(LINUX);
            assertThat(vmstate).doesNotExist();
            Files.move(kept, vmstate);
            host.reload(LINUX);
            assertThat(host.guest(LINUX).state()).isEqualTo(GuestState.SAVED);
        }

        assertThat(console.awaitNumber(from, NEXT_NUMBER)).isEqualTo(console.sequence().get(from - 1) + 1);
        assertThat(console.boots()).as("resumed, not booted").isEqualTo(boots);
        assertThat(agent.call("guest-ping", DEADLINES.agentPing()).isObject()).isTrue();
        assertThat(vmstate).doesNotExist();
    }

    /**
     * The power button shuts the guest down cleanly (its ext4 needs no journal replay), and a start boots it
     * from its disk, where the workload goes on from the last number it synced.
     */
    @Test
    void stopShutsTheGuestDownCleanlyAndStartBootsItAgain() throws IOException {
        host.close();
        host = new QemuHypervisor("kvm1", dir.resolve("host"), QemuDeadlines.defaults());
        try {
            int boots = console.boots();
            int shutdowns = console.cleanShutdowns();
            host.stop(LINUX);

            assertThat(host.guest(LINUX).state()).isEqualTo(GuestState.OFF);
            assertThat(console.cleanShutdowns()).as("shut down by the guest, not quit").isEqualTo(shutdowns + 1);
            LinuxGuestImage.RootFileSystem disk = LinuxGuestImage.inspect(linux.disks().get(0));
            assertThat(disk.needsRecovery()).isFalse();
            // The shutdown may stop the workload between syncing a number and printing it.
            assertThat(disk.lastSequence()).isBetween(console.lastSequence(), console.lastSequence() + 1);

            host.start(LINUX);
            GuestInfo booting = host.guest(LINUX);
            assertThat(booting.canQuiesce()).as("no agent has opened its channel yet").isFalse();
            assertThat(booting.quiesceNote()).contains("qemu-guest-agent");
            assertThat(console.awaitFirstNumberOfBoot(boots + 1, BOOT)).isEqualTo(disk.lastSequence() + 1);
            await().atMost(BOOT).until(() -> host.guest(LINUX).canQuiesce());
        } finally {
            host.close();
            host = new QemuHypervisor("kvm1", dir.resolve("host"), DEADLINES);
        }
    }
}
