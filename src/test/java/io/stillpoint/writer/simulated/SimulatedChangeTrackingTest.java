package io.stillpoint.writer.simulated;

import static io.stillpoint.testing.SimulatedLab.awaitWrites;
import static io.stillpoint.testing.SimulatedLab.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.stillpoint.host.GuestHold;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.simulated.SimulatedDisks;
import io.stillpoint.host.simulated.SimulatedHypervisor;
import io.stillpoint.testing.SimulatedLab;
import io.stillpoint.writer.ChangeTracking;
import io.stillpoint.writer.ChangedRanges;
import io.stillpoint.writer.PreparedSnapshot;
import io.stillpoint.writer.Snapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulated writer's change tracking: a previous copy of each disk, patched with only the tracked
 * ranges read from the next view, must be that view byte for byte; anything that could have let a write
 * go unrecorded must answer untracked.
 */
class SimulatedChangeTrackingTest {

    private static final String DISK = "db01.vhdx";
    private static final String DISK_1 = "db01-1.vhdx";
    /** Past the journal of a 16 MiB disk (1 MiB + 4 MiB), so these writes never touch the guest's own blocks. */
    private static final long DATA_AREA = 6L << 20;

    @TempDir
    Path root;

    @TempDir
    Path copies;

    private final SimulatedSnapshotWriter writer = new SimulatedSnapshotWriter();
    private final SplittableRandom random = new SplittableRandom(13);
    private SimulatedHypervisor host;

    @AfterEach
    void closeHost() {
        if (host != null) {
            host.close();
        }
    }

    @Test
    void trackedRangesTurnThePreviousCopyIntoTheNextOneIncludingWritesDuringAHeldSnapshot() throws IOException {
        host = SimulatedLab.host(root);
        GuestInfo guest = host.create(spec("db01", true, 2));
        awaitWrites(host, guest.ref(), Map.of(), 20);

        Snapshot first = snapshot(guest);
        assertThat(first.changesSince(Map.of())).isEqualTo(new ChangeTracking.Untracked(
                "no earlier tracking: first snapshot of this guest"));
        Map<String, Path> previous = copyDisks(first, "first");
        write(guest, DISK, DATA_AREA + 100, 10_000);
        first.close();
        write(guest, DISK_1, DATA_AREA + (3L << 20) + 4095, 2);
        awaitWrites(host, guest.ref(), host.currentSequences(guest.ref()), 50);

        Snapshot second = snapshot(guest);
        write(guest, DISK, DATA_AREA + (1L << 20), 70_000);
        write(guest, DISK_1, DATA_AREA, 1);
        awaitWrites(host, guest.ref(), host.currentSequences(guest.ref()), 50);
        ChangeTracking sinceFirst = second.changesSince(first.facts());
        assertPatchedCopyIsTheView(sinceFirst, previous, second);
        previous = copyDisks(second, "second");
        second.close();

        write(guest, DISK_1, DATA_AREA + (2L << 20), 5000);
        try (Snapshot third = snapshot(guest)) {
            ChangeTracking sinceSecond = third.changesSince(second.facts());
            assertPatchedCopyIsTheView(sinceSecond, previous, third);
            assertThat(((ChangeTracking.Tracked) sinceSecond).files().get("Virtual Hard Disks/" + DISK).ranges())
                    .as("the write made while the second snapshot was held is in the third's generation")
                    .anyMatch(r -> r.offset() <= DATA_AREA + (1L << 20) && r.end() >= DATA_AREA + (1L << 20) + 70_000);
        }
    }

    @Test
    void trackedRangesAreTheWrittenBlocksAndNothingMore() throws IOException {
        host = quietHost();
        GuestInfo guest = host.create(spec("db01", true, 2));
        Snapshot first = snapshot(guest);
        first.close();
        long[][] writes = {{DATA_AREA + 1, 1}, {DATA_AREA + 4095, 2}, {DATA_AREA + (1L << 20) + 7, 100_000},
                {DATA_AREA + (1L << 20) + 50_000, 10}, {DATA_AREA + (5L << 20), 4096}};
        long rounded = 0;
        for (long[] w : writes) {
            write(guest, DISK, w[0], (int) w[1]);
            long from = w[0] / SimulatedDisks.BLOCK_SIZE * SimulatedDisks.BLOCK_SIZE;
            long to = (w[0] + w[1] + SimulatedDisks.BLOCK_SIZE - 1) / SimulatedDisks.BLOCK_SIZE * SimulatedDisks.BLOCK_SIZE;
            rounded += to - from;
        }
        host.stop(guest.ref());
        write(guest, DISK, 0, 512);
        rounded += SimulatedDisks.BLOCK_SIZE;

        try (Snapshot second = snapshot(guest)) {
            ChangeTracking.Tracked tracked = (ChangeTracking.Tracked) second.changesSince(first.facts());
            assertThat(tracked.kind()).isEqualTo("differencing");
            ChangedRanges disk = tracked.files().get("Virtual Hard Disks/" + DISK);
            for (long[] w : writes) {
                assertThat(disk.ranges()).as("write of %d bytes at %d", w[1], w[0])
                        .anyMatch(r -> r.offset() <= w[0] && r.end() >= w[0] + w[1]);
            }
            assertThat(disk.ranges()).anyMatch(r -> r.offset() == 0);
            assertThat(disk.bytes()).as("tracked bytes: the written ones rounded out to whole blocks, no more")
                    .isLessThanOrEqualTo(rounded);
            assertThat(disk.length()).isEqualTo(SimulatedLab.DISK_BYTES);
            assertThat(tracked.files().get("Virtual Hard Disks/" + DISK_1).ranges()).isEmpty();
            assertThat(tracked.files()).containsOnlyKeys("Virtual Hard Disks/" + DISK, "Virtual Hard Disks/" + DISK_1);
        }
    }

    @Test
    void aSnapshotInBetweenMakesTheOlderPointUntracked() {
        host = quietHost();
        GuestInfo guest = host.create(spec("db01", true, 1));
        Snapshot first = snapshot(guest);
        first.close();
        snapshot(guest).close();
        try (Snapshot third = snapshot(guest)) {
            assertThat(third.changesSince(first.facts())).isEqualTo(new ChangeTracking.Untracked(
                    SimulatedSnapshotWriter.OLDER));
            assertThat(third.changesSince(Map.of("snapshot.id", "x"))).isInstanceOf(ChangeTracking.Untracked.class);
        }
    }

    @Test
    void aCleanRestartKeepsTheRecordAndAReloadedGuestLosesIt() throws IOException {
        host = quietHost();
        GuestInfo guest = host.create(spec("db01", true, 1));
        Snapshot first = snapshot(guest);
        Map<String, Path> previous = copyDisks(first, "first");
        first.close();
        write(guest, DISK, DATA_AREA + 12_345, 20_000);
        host.close();

        host = quietHost();
        write(guest, DISK, DATA_AREA + (4L << 20), 3);
        Snapshot second = snapshot(guest);
        assertPatchedCopyIsTheView(second.changesSince(first.facts()), previous, second);
        second.close();

        host.stop(guest.ref());
        host.reload(guest.ref());
        try (Snapshot third = snapshot(guest)) {
            assertThat(third.changesSince(second.facts())).isEqualTo(new ChangeTracking.Untracked(
                    "tracking lost: the guest's files were replaced (reloaded after a restore)"));
        }
    }

    @Test
    void aHostThatStoppedWithoutSavingMakesTheNextSnapshotUntrackedAndTheOneAfterTracked() throws IOException {
        host = quietHost();
        GuestInfo guest = host.create(spec("db01", true, 1));
        Snapshot first = snapshot(guest);
        first.close();
        write(guest, DISK, DATA_AREA, 4096);
        // What a crash leaves: the host's folder as it is while the host runs, never closed.
        Path crashed = copies.resolve("crashed");
        copyTree(root, crashed);
        host.close();

        host = new SimulatedHypervisor("lab", crashed, 3_600_000, 1);
        writer.recover(host);
        Snapshot second = snapshot(guest);
        assertThat(second.changesSince(first.facts())).isEqualTo(new ChangeTracking.Untracked(
                "tracking lost: the simulated host stopped without saving it"));
        Map<String, Path> previous = copyDisks(second, "second");
        second.close();
        write(guest, DISK, DATA_AREA + 8192, 100);
        try (Snapshot third = snapshot(guest)) {
            assertPatchedCopyIsTheView(third.changesSince(second.facts()), previous, third);
        }
    }

    /** Guests that write nothing of their own, so every write is the test's. */
    private SimulatedHypervisor quietHost() {
        try {
            return new SimulatedHypervisor("lab", root, 3_600_000, 1);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Snapshot snapshot(GuestInfo guest) {
        PreparedSnapshot prepared = writer.prepare(host, guest, copies);
        try (prepared; GuestHold hold = host.hold(guest.ref(), HoldMode.PAUSE)) {
            return prepared.create();
        }
    }

    private void write(GuestInfo guest, String disk, long offset, int length) {
        byte[] data = new byte[length];
        random.nextBytes(data);
        host.writeGuestData(guest.ref(), disk, offset, data);
    }

    private Map<String, Path> copyDisks(Snapshot snapshot, String name) throws IOException {
        Path folder = Files.createDirectories(copies.resolve(name));
        Map<String, Path> copied = new HashMap<>();
        for (String disk : List.of(DISK, DISK_1)) {
            Path source = snapshot.view().root().resolve("Virtual Hard Disks").resolve(disk);
            if (Files.exists(source)) {
                copied.put("Virtual Hard Disks/" + disk, Files.copy(source, folder.resolve(disk)));
            }
        }
        return copied;
    }

    /** Patches each previous copy with only the tracked ranges, read from the view, and compares it whole. */
    private static void assertPatchedCopyIsTheView(ChangeTracking tracking, Map<String, Path> previous,
            Snapshot next) throws IOException {
        assertThat(tracking).isInstanceOf(ChangeTracking.Tracked.class);
        Map<String, ChangedRanges> files = ((ChangeTracking.Tracked) tracking).files();
        assertThat(files).containsOnlyKeys(previous.keySet());
        for (Map.Entry<String, Path> copy : previous.entrySet()) {
            Path view = next.view().root().resolve(copy.getKey());
            try (FileChannel from = FileChannel.open(view);
                    FileChannel to = FileChannel.open(copy.getValue(), StandardOpenOption.WRITE)) {
                for (ChangedRanges.Range range : files.get(copy.getKey()).ranges()) {
                    ByteBuffer bytes = ByteBuffer.allocate((int) range.length());
                    from.read(bytes, range.offset());
                    to.write(bytes.flip(), range.offset());
                }
            }
            assertThat(Arrays.equals(Files.readAllBytes(copy.getValue()), Files.readAllBytes(view)))
                    .as("previous copy of %s patched with the tracked ranges is the new view", copy.getKey())
                    .isTrue();
            assertThat(files.get(copy.getKey()).bytes()).as("not the whole disk").isLessThan(Files.size(view) / 2);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path path : walk.toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target);
                }
            }
        }
    }
}
