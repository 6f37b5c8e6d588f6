package io.stillpoint.host.simulated;

import static io.stillpoint.testing.SimulatedLab.assertDisksIntact;
import static io.stillpoint.testing.SimulatedLab.awaitWrites;
import static io.stillpoint.testing.SimulatedLab.check;
import static io.stillpoint.testing.SimulatedLab.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.stillpoint.host.GuestHold;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestSpec;
import io.stillpoint.host.GuestState;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.HostException;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.HypervisorContract;
import io.stillpoint.host.InvalidGuestSpecException;
import io.stillpoint.host.InvalidHostSettingsException;
import io.stillpoint.testing.SimulatedLab;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedHypervisorTest extends HypervisorContract {

    @TempDir
    Path root;

    private SimulatedHypervisor host;
    private GuestInfo db;
    private GuestInfo legacy;

    @BeforeEach
    void openHost() {
        host = SimulatedLab.host(root);
        db = host.create(spec("db01", true, 2));
        legacy = host.create(spec("legacy01", false, 1));
    }

    @AfterEach
    void closeHost() {
        host.close();
    }

    @Override
    protected Hypervisor hypervisor() {
        return host;
    }

    @Override
    protected String quiescingGuest() {
        return db.ref();
    }

    @Override
    protected String nonQuiescingGuest() {
        return legacy.ref();
    }

    @Test
    void guestFolderIsLaidOutAsHyperVDoes() throws IOException {
        Path dir = root.resolve("db01");
        assertThat(db.directory()).isEqualTo(dir);
        assertThat(dir.resolve("Virtual Machines").resolve(db.ref() + ".xml")).isRegularFile();
        assertThat(db.disks()).containsExactly(
                dir.resolve("Virtual Hard Disks").resolve("db01.vhdx"),
                dir.resolve("Virtual Hard Disks").resolve("db01-1.vhdx"));
        for (Path disk : db.disks()) {
            assertThat(Files.size(disk)).isEqualTo(SimulatedLab.DISK_BYTES);
        }
        assertThat(Files.readString(dir.resolve("Virtual Machines").resolve(db.ref() + ".xml")))
                .contains("<name>db01</name>", "<can_quiesce>true</can_quiesce>", "db01-1.vhdx");
        assertThat(db.ref()).matches("[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}");
    }

    @Test
    void disksAreSparse() throws Exception {
        long size = 256L << 20;
        GuestInfo big = host.create(new GuestSpec("big01", List.of(size), 1L << 30, "Windows Server 2022", true));
        Path disk = big.disks().get(0);
        assertThat(Files.size(disk)).isEqualTo(size);
        assertThat(allocatedBytes(disk)).isPositive().isLessThan(size / 8);
    }

    @Test
    void runningGuestWritesCheckedBlocksToEveryDisk() {
        awaitWrites(host, db.ref(), Map.of(), 200);
        Map<String, Long> sequences = assertDisksIntact(host, db.ref());
        assertThat(sequences).containsOnlyKeys("db01.vhdx", "db01-1.vhdx");
    }

    @Test
    void heldGuestDoesNotWrite() {
        awaitWrites(host, db.ref(), Map.of(), 10);
        try (GuestHold hold = host.hold(db.ref(), HoldMode.PAUSE)) {
            Map<String, Long> paused = host.currentSequences(db.ref());
            await().during(Duration.ofMillis(150)).atMost(Duration.ofSeconds(2))
                    .until(() -> host.currentSequences(db.ref()).equals(paused));
        }
        awaitWrites(host, db.ref(), host.currentSequences(db.ref()), 10);
    }

    @Test
    void saveStateKeepsMemoryInVsvAndBinAndResumesFromIt() throws Exception {
        Map<String, Long> before = awaitWrites(host, db.ref(), Map.of(), 50);
        Path machines = db.directory().resolve("Virtual Machines");
        Path bin = machines.resolve(db.ref() + ".bin");
        Map<String, Long> saved;
        try (GuestHold hold = host.hold(db.ref(), HoldMode.SAVE_STATE)) {
            saved = host.currentSequences(db.ref());
            assertThat(host.guest(db.ref()).state()).isEqualTo(GuestState.SAVED);
            assertThat(machines.resolve(db.ref() + ".vsv")).isRegularFile();
            assertThat(Files.size(bin)).isEqualTo(SimulatedLab.MEMORY_BYTES);
            assertThat(allocatedBytes(bin)).isLessThan(SimulatedLab.MEMORY_BYTES / 16);
        }
        assertThat(saved.get("db01.vhdx")).isGreaterThanOrEqualTo(before.get("db01.vhdx"));
        assertThat(machines.resolve(db.ref() + ".vsv")).doesNotExist();
        assertThat(bin).doesNotExist();
        awaitWrites(host, db.ref(), saved, 100);
        assertDisksIntact(host, db.ref());
    }

    @Test
    void bootFromOffContinuesFromWhatIsOnDisk() {
        awaitWrites(host, db.ref(), Map.of(), 50);
        host.stop(db.ref());
        Map<String, Long> stopped = host.currentSequences(db.ref());
        for (Path disk : db.disks()) {
            assertThat(check(disk).maxSequence()).isEqualTo(stopped.get(disk.getFileName().toString()));
        }
        host.start(db.ref());
        awaitWrites(host, db.ref(), stopped, 200);
        assertDisksIntact(host, db.ref());
    }

    @Test
    void restartedHostKeepsStatesAndRunningGuestsGoOnWriting() {
        Map<String, Long> written = awaitWrites(host, db.ref(), Map.of(), 100);
        host.stop(legacy.ref());
        host.close();
        Map<String, Long> atClose = host.currentSequences(db.ref());
        assertThat(atClose.get("db01.vhdx")).isGreaterThanOrEqualTo(written.get("db01.vhdx"));

        host = SimulatedLab.host(root);
        assertThat(host.guests()).extracting(GuestInfo::name).containsExactly("db01", "legacy01");
        assertThat(host.guest(legacy.ref()).state()).isEqualTo(GuestState.OFF);
        assertThat(host.guest(db.ref()).state()).isEqualTo(GuestState.RUNNING);
        awaitWrites(host, db.ref(), atClose, 300);
        assertDisksIntact(host, db.ref());
    }

    @Test
    void restartedHostResumesASavedGuestFromItsMemory() {
        awaitWrites(host, db.ref(), Map.of(), 50);
        host.hold(db.ref(), HoldMode.SAVE_STATE);
        Map<String, Long> saved = host.currentSequences(db.ref());
        host.close();

        host = SimulatedLab.host(root);
        assertThat(host.guest(db.ref()).state()).isEqualTo(GuestState.SAVED);
        assertThat(host.currentSequences(db.ref())).isEqualTo(saved);
        host.start(db.ref());
        awaitWrites(host, db.ref(), saved, 100);
        assertDisksIntact(host, db.ref());
    }

    @Test
    void leftoverDifferencingDiskIsMergedWhenTheHostRestarts() throws IOException {
        awaitWrites(host, db.ref(), Map.of(), 50);
        Diversion diversion = host.divert(db.ref(), "6F1C0A52-0D2B-4E8A-9B1D-3C5E7F9A1B2C", folder -> { });
        Map<String, Long> diverted = awaitWrites(host, db.ref(), diversion.sequences(), 300);
        Path overlay = diversion.overlays().get("db01.vhdx");
        assertThat(overlay.getFileName().toString()).isEqualTo("db01_6F1C0A52-0D2B-4E8A-9B1D-3C5E7F9A1B2C.avhdx");
        host.close();
        Map<String, Long> atCrash = host.currentSequences(db.ref());
        assertThat(check(db.disks().get(0)).maxSequence()).isEqualTo(diversion.sequences().get("db01.vhdx"));

        host = SimulatedLab.host(root);
        assertThat(diversion.overlays().values()).allSatisfy(file -> assertThat(file).doesNotExist());
        // The reopened guest may already have written again; it must have lost nothing merged from the overlay.
        assertThat(host.currentSequences(db.ref()))
                .allSatisfy((disk, sequence) -> assertThat(sequence).isGreaterThanOrEqualTo(atCrash.get(disk)));
        awaitWrites(host, db.ref(), diverted, 100);
        assertDisksIntact(host, db.ref());
    }

    @Test
    void mergeWhileTheGuestWritesLosesNothing() throws IOException {
        Diversion diversion = host.divert(db.ref(), "A1B2C3D4-0000-4000-8000-000000000001", folder -> { });
        awaitWrites(host, db.ref(), diversion.sequences(), 2000);
        host.merge(db.ref(), diversion.snapshotId());
        host.merge(db.ref(), diversion.snapshotId());
        assertThat(diversion.overlays().values()).allSatisfy(file -> assertThat(file).doesNotExist());
        awaitWrites(host, db.ref(), host.currentSequences(db.ref()), 50);
        assertDisksIntact(host, db.ref());
    }

    @Test
    void injectedFailuresChangeNothingAndHappenOnce() {
        host.failNext(db.ref(), SimulatedOperation.PAUSE);
        assertThatThrownBy(() -> host.hold(db.ref(), HoldMode.PAUSE)).isInstanceOf(HostException.class)
                .hasMessageContaining("db01");
        assertThat(host.guest(db.ref()).state()).isEqualTo(GuestState.RUNNING);

        host.failNext(db.ref(), SimulatedOperation.START);
        GuestHold hold = host.hold(db.ref(), HoldMode.PAUSE);
        assertThatThrownBy(hold::close).isInstanceOf(HostException.class);
        assertThat(host.guest(db.ref()).state()).isEqualTo(GuestState.PAUSED);
        hold.close();
        assertThat(host.guest(db.ref()).state()).isEqualTo(GuestState.RUNNING);
    }

    @Test
    void anInterruptedCallerDoesNotTakeTheDisksAway() {
        awaitWrites(host, db.ref(), Map.of(), 20);
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> host.hold(db.ref(), HoldMode.FREEZE)).isInstanceOf(HostException.class);
        } finally {
            Thread.interrupted();
        }
        assertThat(host.guest(db.ref()).state()).isEqualTo(GuestState.RUNNING);
        awaitWrites(host, db.ref(), host.currentSequences(db.ref()), 100);
        assertDisksIntact(host, db.ref());
    }

    @Test
    void anUnreadableGuestFolderDoesNotHideTheOthers() throws IOException {
        host.close();
        Files.delete(root.resolve("legacy01").resolve("Virtual Machines").resolve(legacy.ref() + ".xml"));
        host = SimulatedLab.host(root);
        assertThat(host.guests()).extracting(GuestInfo::name).containsExactly("db01");
    }

    @Test
    void checkFindsATornBlock() throws IOException {
        awaitWrites(host, db.ref(), Map.of(), 50);
        Path copy = root.resolve("torn.vhdx");
        try (GuestHold hold = host.hold(db.ref(), HoldMode.PAUSE)) {
            Files.copy(db.disks().get(0), copy);
        }
        try (var channel = java.nio.channels.FileChannel.open(copy, java.nio.file.StandardOpenOption.WRITE)) {
            channel.write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}), SimulatedDisks.JOURNAL_OFFSET + 100);
        }
        DiskCheck check = check(copy);
        assertThat(check.invalidBlocks()).isEqualTo(1);
        assertThat(check.isPointInTime(check.maxSequence())).isFalse();
    }

    @Test
    void badGuestSpecsNameTheField() {
        assertThatThrownBy(() -> host.create(spec("../evil", true, 1)))
                .isInstanceOfSatisfying(InvalidGuestSpecException.class, e -> assertThat(e.field()).isEqualTo("name"));
        assertThatThrownBy(() -> host.create(spec("db01", true, 1)))
                .isInstanceOfSatisfying(InvalidGuestSpecException.class, e -> assertThat(e.field()).isEqualTo("name"));
        assertThatThrownBy(() -> host.create(new GuestSpec("tiny", List.of(4096L), 1L << 20, "Linux", true)))
                .isInstanceOfSatisfying(InvalidGuestSpecException.class,
                        e -> assertThat(e.field()).isEqualTo("diskSizesBytes"));
    }

    @Test
    void factoryChecksItsSettings() throws IOException {
        SimulatedHypervisorFactory factory = new SimulatedHypervisorFactory();
        assertThat(factory.kind()).isEqualTo("simulated");
        assertThatThrownBy(() -> factory.create("h", Map.of()))
                .isInstanceOfSatisfying(InvalidHostSettingsException.class, e -> assertThat(e.field()).isEqualTo("root"));
        Path file = Files.writeString(root.resolve("a-file"), "x");
        assertThatThrownBy(() -> factory.create("h", Map.of("root", file.toString())))
                .isInstanceOfSatisfying(InvalidHostSettingsException.class, e -> assertThat(e.field()).isEqualTo("root"));
        assertThatThrownBy(() -> factory.create("h", Map.of("root", root.resolve("h").toString(),
                "writeIntervalMillis", "soon")))
                .isInstanceOfSatisfying(InvalidHostSettingsException.class,
                        e -> assertThat(e.field()).isEqualTo("writeIntervalMillis"));
        try (Hypervisor made = factory.create("h", Map.of("root", root.resolve("h").toString()))) {
            assertThat(made.kind()).isEqualTo("simulated");
            assertThat(made.capabilities()).isEqualTo(new io.stillpoint.host.HostCapabilities(true, true, true, true, true));
            assertThat(made.guests()).isEmpty();
        }
    }

    private static long allocatedBytes(Path file) throws Exception {
        Process stat = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).redirectErrorStream(true).start();
        String out = new String(stat.getInputStream().readAllBytes()).trim();
        assertThat(stat.waitFor()).as(out).isZero();
        String[] parts = out.split(" ");
        return Long.parseLong(parts[0]) * Long.parseLong(parts[1]);
    }
}
