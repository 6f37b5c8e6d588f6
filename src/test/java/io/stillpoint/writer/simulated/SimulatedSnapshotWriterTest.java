package io.stillpoint.writer.simulated;

import static io.stillpoint.testing.SimulatedLab.assertDisksIntact;
import static io.stillpoint.testing.SimulatedLab.awaitWrites;
import static io.stillpoint.testing.SimulatedLab.check;
import static io.stillpoint.testing.SimulatedLab.spec;
import static io.stillpoint.testing.SimulatedLab.summary;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.host.GuestHold;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.simulated.DiskCheck;
import io.stillpoint.host.simulated.SimulatedDisks;
import io.stillpoint.host.simulated.SimulatedHypervisor;
import io.stillpoint.testing.LogCapture;
import io.stillpoint.testing.SimulatedLab;
import io.stillpoint.writer.FaultySnapshotWriter;
import io.stillpoint.writer.PreparedSnapshot;
import io.stillpoint.writer.Snapshot;
import io.stillpoint.writer.SnapshotException;
import io.stillpoint.writer.SnapshotWriter;
import io.stillpoint.writer.SnapshotWriterContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedSnapshotWriterTest extends SnapshotWriterContract {

    @TempDir
    Path root;

    private SimulatedHypervisor host;
    private SimulatedSnapshotWriter writer;
    private GuestInfo guest;

    @BeforeEach
    void openHost() {
        host = SimulatedLab.host(root);
        writer = new SimulatedSnapshotWriter();
        guest = host.create(spec("db01", true, 2));
        awaitWrites(host, guest.ref(), Map.of(), 20);
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
    protected SnapshotWriter writer() {
        return writer;
    }

    @Override
    protected GuestInfo guest() {
        return guest;
    }

    @Test
    void copyOfTheViewIsThePointInTimeAndReleaseLosesNoWrite() throws IOException {
        int journal = SimulatedDisks.journalBlocks(SimulatedLab.DISK_BYTES);
        Snapshot snapshot = snapshot(HoldMode.PAUSE);
        Map<String, Long> atSnapshot = sequences(snapshot);
        assertThat(atSnapshot).containsOnlyKeys("db01.vhdx", "db01-1.vhdx");
        awaitWrites(host, guest.ref(), atSnapshot, journal + 200L);

        Path copies = Files.createDirectories(workDir.resolve("copy"));
        for (Path disk : guest.disks()) {
            String name = disk.getFileName().toString();
            Path copy = Files.copy(snapshot.view().root().resolve("Virtual Hard Disks").resolve(name),
                    copies.resolve(name));
            DiskCheck check = check(copy);
            assertThat(check.isPointInTime(atSnapshot.get(name)))
                    .as("copy of %s at sequence %d: %s", name, atSnapshot.get(name), summary(check))
                    .isTrue();
        }

        snapshot.close();
        Map<String, Long> after = assertDisksIntact(host, guest.ref());
        atSnapshot.forEach((disk, seq) -> assertThat(after.get(disk)).isGreaterThan(seq + journal));
    }

    @Test
    void factsNameTheSnapshotAndTheSequenceOfEachDisk() throws IOException {
        try (Snapshot snapshot = snapshot(HoldMode.FREEZE)) {
            assertThat(snapshot.facts()).containsKeys("snapshot.id", "sequence.db01.vhdx", "sequence.db01-1.vhdx");
            Path folder = snapshot.view().root().getParent();
            assertThat(folder.getFileName().toString()).isEqualToIgnoringCase(snapshot.facts().get("snapshot.id"));
            assertThat(folder.getParent()).isEqualTo(root.resolve(".snapshots").toRealPath());
            assertThat(folder.resolve(OwnedFolder.MARKER)).isRegularFile();
            assertThat(snapshot.view().root().resolve(OwnedFolder.MARKER)).doesNotExist();
            assertThat(snapshot.view().metadata()).isEmpty();
            assertThat(guest.directory().resolve("Virtual Hard Disks")
                    .resolve("db01_" + snapshot.facts().get("snapshot.id") + ".avhdx")).isRegularFile();
        }
        assertThat(root.resolve(".snapshots")).isEmptyDirectory();
    }

    @Test
    void viewKeepsTheSavedMemoryAfterTheGuestResumed() throws IOException {
        try (Snapshot snapshot = snapshot(HoldMode.SAVE_STATE)) {
            Path machines = snapshot.view().root().resolve("Virtual Machines");
            assertThat(guest.directory().resolve("Virtual Machines").resolve(guest.ref() + ".vsv")).doesNotExist();
            assertThat(machines.resolve(guest.ref() + ".vsv")).isRegularFile();
            assertThat(Files.size(machines.resolve(guest.ref() + ".bin"))).isEqualTo(SimulatedLab.MEMORY_BYTES);
            assertThat(Files.readString(machines.resolve(guest.ref() + ".state"))).contains("SAVED");
            assertThat(Files.readString(guest.directory().resolve("Virtual Machines").resolve(guest.ref() + ".state")))
                    .contains("RUNNING");
        }
    }

    @Test
    void viewKeepsSymbolicLinksAsLinksWithoutFollowingThem() throws IOException {
        Path folder = guest.directory();
        Files.createDirectories(folder.resolve("x/sub/deeper"));
        Files.writeString(folder.resolve("x/sub/deeper/file.txt"), "linked");
        Files.createSymbolicLink(folder.resolve("x/link"), Path.of("sub/deeper/file.txt"));
        Files.createSymbolicLink(folder.resolve("x/to-a-folder"), Path.of("sub"));
        Files.createSymbolicLink(folder.resolve("dangling"), Path.of("/nowhere/at/all"));

        try (Snapshot snapshot = snapshot(HoldMode.PAUSE)) {
            Path view = snapshot.view().root();
            assertThat(Files.isSymbolicLink(view.resolve("x/link"))).isTrue();
            assertThat(Files.readSymbolicLink(view.resolve("x/link"))).isEqualTo(Path.of("sub/deeper/file.txt"));
            assertThat(Files.readString(view.resolve("x/link"))).isEqualTo("linked");
            assertThat(Files.isSymbolicLink(view.resolve("x/to-a-folder"))).isTrue();
            assertThat(Files.readSymbolicLink(view.resolve("dangling"))).isEqualTo(Path.of("/nowhere/at/all"));
        }
    }

    @Test
    void oneSnapshotAtATimePerGuest() {
        try (Snapshot first = snapshot(HoldMode.PAUSE)) {
            assertThatThrownBy(() -> snapshot(HoldMode.PAUSE)).isInstanceOf(SnapshotException.class)
                    .hasMessageContaining(first.facts().get("snapshot.id"));
        }
        try (Snapshot second = snapshot(HoldMode.PAUSE)) {
            assertThat(second.view().root()).isDirectory();
        }
    }

    @Test
    void injectedCreateFailureLeavesNoDifferencingDisk() {
        writer.failNextCreate("disk full");
        try (GuestHold hold = host.hold(guest.ref(), HoldMode.PAUSE);
                PreparedSnapshot prepared = writer.prepare(host, guest, workDir)) {
            assertThatThrownBy(prepared::create).isInstanceOf(SnapshotException.class).hasMessageContaining("disk full");
        }
        assertThat(relativeFiles(guest.directory())).noneMatch(f -> f.endsWith(".avhdx"));
        awaitWrites(host, guest.ref(), host.currentSequences(guest.ref()), 50);
        assertDisksIntact(host, guest.ref());
    }

    @Test
    void failedReleaseCanBeRetried() {
        FaultySnapshotWriter faulty = new FaultySnapshotWriter(writer).failNext(FaultySnapshotWriter.Step.RELEASE);
        Snapshot snapshot;
        try (GuestHold hold = host.hold(guest.ref(), HoldMode.PAUSE);
                PreparedSnapshot prepared = faulty.prepare(host, guest, workDir)) {
            snapshot = prepared.create();
        }
        assertThatThrownBy(snapshot::close).isInstanceOf(SnapshotException.class);
        assertThat(snapshot.view().root()).isDirectory();
        snapshot.close();
        assertThat(snapshot.view().root()).doesNotExist();
        assertDisksIntact(host, guest.ref());
    }

    @Test
    void recoverReleasesWhatACrashedProcessLeft() {
        Snapshot snapshot = snapshot(HoldMode.PAUSE);
        awaitWrites(host, guest.ref(), sequences(snapshot), 300);
        host.close();

        host = SimulatedLab.host(root);
        writer = new SimulatedSnapshotWriter();
        writer.recover(host);
        assertThat(root.resolve(".snapshots")).isEmptyDirectory();
        assertThat(relativeFiles(guest.directory())).noneMatch(f -> f.endsWith(".avhdx"));
        awaitWrites(host, guest.ref(), sequences(snapshot), 400);
        assertDisksIntact(host, guest.ref());
    }

    /**
     * The views folder may come to hold what is not Stillpoint's; recovery removes only snapshot folders
     * carrying its marker and leaves the rest, links included, naming each in the log.
     */
    @Test
    void recoverRemovesOnlyItsOwnSnapshotFolders(@TempDir Path elsewhere) throws IOException {
        Snapshot abandoned = snapshot(HoldMode.PAUSE);
        Path views = root.resolve(".snapshots").toRealPath();
        Path ours = views.resolve(views.relativize(abandoned.view().root()).getName(0));
        Path photos = Files.createDirectories(views.resolve("family-photos"));
        Files.writeString(photos.resolve("1.jpg"), "jpeg");
        String unmarked = UUID.randomUUID().toString();
        Files.writeString(Files.createDirectories(views.resolve(unmarked)).resolve("chapter1.txt"), "words");
        Path victim = Files.createDirectories(elsewhere.resolve("victim"));
        Files.writeString(victim.resolve("keep.txt"), "keep");
        String linked = UUID.randomUUID().toString();
        Files.createSymbolicLink(views.resolve(linked), victim);
        host.close();

        host = SimulatedLab.host(root);
        List<String> logged;
        try (LogCapture log = LogCapture.of(SimulatedSnapshotWriter.class)) {
            writer.recover(host);
            logged = log.messages();
        }

        assertThat(ours).doesNotExist();
        assertThat(relativeFiles(guest.directory())).noneMatch(f -> f.endsWith(".avhdx"));
        assertThat(photos.resolve("1.jpg")).hasContent("jpeg");
        assertThat(views.resolve(unmarked).resolve("chapter1.txt")).hasContent("words");
        assertThat(views.resolve(linked)).isSymbolicLink();
        assertThat(victim.resolve("keep.txt")).hasContent("keep");
        assertThat(logged).anyMatch(m -> m.startsWith("WARN") && m.contains("family-photos"))
                .anyMatch(m -> m.startsWith("WARN") && m.contains(unmarked))
                .anyMatch(m -> m.startsWith("WARN") && m.contains(linked));
        assertDisksIntact(host, guest.ref());
    }

    @Test
    void recoverMergesSnapshotsOfALiveHost() {
        Snapshot snapshot = snapshot(HoldMode.PAUSE);
        awaitWrites(host, guest.ref(), sequences(snapshot), 100);
        writer.recover(host);
        assertThat(snapshot.view().root()).doesNotExist();
        assertThat(relativeFiles(guest.directory())).noneMatch(f -> f.endsWith(".avhdx"));
        assertDisksIntact(host, guest.ref());
    }

    @Test
    void refusesAHostOfAnotherKind() {
        Hypervisor other = new Hypervisor() {
            @Override
            public String kind() {
                return "qemu";
            }

            @Override
            public String name() {
                return "kvm1";
            }

            @Override
            public io.stillpoint.host.HostCapabilities capabilities() {
                return host.capabilities();
            }

            @Override
            public java.util.List<GuestInfo> guests() {
                return java.util.List.of(guest);
            }

            @Override
            public GuestInfo guest(String ref) {
                return guest;
            }

            @Override
            public void reload(String ref) {
                throw new UnsupportedOperationException();
            }

            @Override
            public GuestInfo create(io.stillpoint.host.GuestSpec spec) {
                throw new UnsupportedOperationException();
            }

            @Override
            public GuestHold hold(String ref, HoldMode mode) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void start(String ref) {}

            @Override
            public void stop(String ref) {}
        };
        assertThat(writer.supportsHost("qemu")).isFalse();
        assertThatThrownBy(() -> writer.prepare(other, guest, workDir)).isInstanceOf(SnapshotException.class)
                .hasMessageContaining("kvm1");
    }

    private static Map<String, Long> sequences(Snapshot snapshot) {
        Map<String, Long> sequences = new HashMap<>();
        snapshot.facts().forEach((key, value) -> {
            if (key.startsWith(SimulatedSnapshotWriter.FACT_SEQUENCE_PREFIX)) {
                sequences.put(key.substring(SimulatedSnapshotWriter.FACT_SEQUENCE_PREFIX.length()), Long.parseLong(value));
            }
        });
        return sequences;
    }
}
