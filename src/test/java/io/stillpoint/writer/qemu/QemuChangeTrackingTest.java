package io.stillpoint.writer.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stillpoint.host.GuestHold;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.qemu.QemuDeadlines;
import io.stillpoint.host.qemu.QemuHypervisor;
import io.stillpoint.testing.QemuLab;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The QEMU writer's bitmap generations against one real guest with two qcow2 disks: a previous copy of each
 * disk file, patched with only the tracked ranges read from the next view, must be that view byte for
 * byte; anything that could have lost a write must answer untracked, and the next snapshot tracks again.
 */
class QemuChangeTrackingTest {

    private static final long MIB = 1L << 20;
    private static final List<String> DISKS = List.of("disk0.qcow2", "disk1.qcow2");

    @TempDir
    static Path dir;

    private static QemuLab lab;
    private static QemuHypervisor host;
    private static QemuLab.Guest guest;
    private static QemuSnapshotWriter writer;

    @TempDir
    Path work;

    private int pattern = 0x10;

    @BeforeAll
    static void bootGuest() throws IOException {
        lab = new QemuLab(dir);
        guest = lab.start("track01", 64, 64 * MIB, 16 * MIB);
        host = new QemuHypervisor("kvm1", dir.resolve("host"), new QemuDeadlines(Duration.ofSeconds(10),
                Duration.ofMillis(300), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(60)));
        host.register(Map.of("qmpSocket", guest.qmpSocket().toString()));
        writer = new QemuSnapshotWriter();
    }

    @AfterAll
    static void stopGuest() throws IOException {
        if (host != null) {
            host.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    /** A test that failed with a snapshot held must not fail the others: recovery releases it. */
    @BeforeEach
    void guestRuns() {
        host.start("track01");
        writer.recover(host);
    }

    @Test
    void trackedRangesTurnThePreviousFileIntoTheNewOneByteForByte() throws IOException {
        lab.monitor(guest).execute("block-dirty-bitmap-add", Map.of("node", "vd0", "name", "admins-own"),
                QemuLab.PATIENCE);
        // Allocated before the first snapshot, so that later writes overwrite clusters in the middle of the
        // file rather than append new ones past the previous copy's end.
        lab.write(guest, 0, next(), 20 * MIB, 12 * MIB);
        lab.write(guest, 1, next(), 0, MIB);
        Snapshot first = snapshot();
        Map<String, Path> previous = copyDisks(first, "first");
        lab.write(guest, 0, next(), 8 * MIB, MIB);
        first.close();
        lab.write(guest, 0, next(), 20 * MIB + 4096, 2 * MIB);
        lab.write(guest, 1, next(), 0, 4096);
        lab.write(guest, 0, next(), 60 * MIB, 512 * 1024);

        Snapshot second = snapshot();
        lab.write(guest, 0, next(), 30 * MIB, MIB);
        ChangeTracking sinceFirst = second.changesSince(first.facts());
        long written = 1 * MIB + 3 * MIB + 65536 + 512 * 1024;
        assertPatchedCopyIsTheView(sinceFirst, previous, second, written);
        previous = copyDisks(second, "second");
        second.close();
        assertOneRecordingGeneration(second.facts().get(QemuSnapshotWriter.FACT_BITMAP_GENERATION));

        try (Snapshot third = snapshot()) {
            ChangeTracking sinceSecond = third.changesSince(second.facts());
            assertPatchedCopyIsTheView(sinceSecond, previous, third, MIB);
            ChangedRanges disk0 = ((ChangeTracking.Tracked) sinceSecond).files().get("disk0.qcow2");
            assertThat(disk0.bytes()).as("the write made while the second snapshot was held, and metadata")
                    .isGreaterThanOrEqualTo(MIB);
        }
        assertThat(bitmapNames("vd0")).contains("admins-own");
        lab.monitor(guest).execute("block-dirty-bitmap-remove", Map.of("node", "vd0", "name", "admins-own"),
                QemuLab.PATIENCE);
    }

    /**
     * The new generation starts at prepare, before the hold: a write between prepare and the snapshot is
     * in the point (the ended generation has it) and is read again by the next one, never lost to both.
     */
    @Test
    void aWriteBetweenPrepareAndTheSnapshotIsTrackedByThisPointAndReadAgainByTheNext() throws IOException {
        Snapshot first = snapshot();
        Map<String, Path> previous = copyDisks(first, "first");
        first.close();
        GuestInfo info = host.guest("track01");
        Snapshot second;
        PreparedSnapshot prepared = writer.prepare(host, info, work);
        try (prepared) {
            lab.write(guest, 1, next(), 5 * MIB, MIB);
            try (GuestHold hold = host.hold(info.ref(), HoldMode.PAUSE)) {
                second = prepared.create();
            }
        }
        assertPatchedCopyIsTheView(second.changesSince(first.facts()), previous, second, MIB);
        previous = copyDisks(second, "second");
        second.close();
        try (Snapshot third = snapshot()) {
            ChangeTracking sinceSecond = third.changesSince(second.facts());
            assertPatchedCopyIsTheView(sinceSecond, previous, third, MIB);
            assertThat(((ChangeTracking.Tracked) sinceSecond).files().get("disk1.qcow2").bytes())
                    .as("the write before the second snapshot, covered once more").isGreaterThanOrEqualTo(MIB);
        }
    }

    @Test
    void aPreparationDiscardedWithoutASnapshotLeavesTheRecordingGenerationAsItWas() throws IOException {
        Snapshot first = snapshot();
        Map<String, Path> previous = copyDisks(first, "first");
        first.close();
        String recording = first.facts().get(QemuSnapshotWriter.FACT_BITMAP_GENERATION);
        lab.write(guest, 0, next(), 2 * MIB, MIB);
        writer.prepare(host, host.guest("track01"), work).close();
        assertOneRecordingGeneration(recording);
        try (Snapshot second = snapshot()) {
            assertPatchedCopyIsTheView(second.changesSince(first.facts()), previous, second, MIB);
        }
    }

    /**
     * A stop hold shuts QEMU down with the generation prepare started: it cannot be handed over, and goes
     * again once the guest runs, so the disks keep one recording generation and the next points track.
     */
    @Test
    void aStopHoldLeavesOneRecordingGenerationAndTrackingResumes() throws IOException {
        Snapshot first = snapshot();
        first.close();
        String recording = first.facts().get(QemuSnapshotWriter.FACT_BITMAP_GENERATION);
        Snapshot stopped = snapshot(HoldMode.STOP, work);
        assertThat(stopped.facts()).doesNotContainKey(QemuSnapshotWriter.FACT_BITMAP_GENERATION);
        assertThat(stopped.changesSince(first.facts())).isInstanceOf(ChangeTracking.Untracked.class);
        stopped.close();
        assertOneRecordingGeneration(recording);

        Snapshot second = snapshot();
        Map<String, Path> previous = copyDisks(second, "second");
        second.close();
        lab.write(guest, 0, next(), 6 * MIB, MIB);
        try (Snapshot third = snapshot()) {
            assertPatchedCopyIsTheView(third.changesSince(second.facts()), previous, third, MIB);
        }
    }

    @Test
    void qemuKilledBetweenTwoSnapshotsMakesTheNextUntrackedAndTheOneAfterTracked() throws IOException {
        Snapshot first = snapshot();
        first.close();
        lab.write(guest, 0, next(), 4 * MIB, MIB);
        lab.kill(guest);
        host.start("track01");

        Snapshot second = snapshot();
        ChangeTracking lost = second.changesSince(first.facts());
        assertThat(lost).isInstanceOf(ChangeTracking.Untracked.class);
        assertThat(((ChangeTracking.Untracked) lost).reason()).contains("QEMU stopped without saving it");
        Map<String, Path> previous = copyDisks(second, "second");
        second.close();
        lab.write(guest, 1, next(), 3 * MIB, MIB);
        try (Snapshot third = snapshot()) {
            assertPatchedCopyIsTheView(third.changesSince(second.facts()), previous, third, MIB);
        }
    }

    @Test
    void aStoredGenerationSurvivesACleanRestartAndAnInconsistentOneIsRemoved() {
        Snapshot first = snapshot();
        first.close();
        host.stop("track01");
        host.start("track01");
        Snapshot second = snapshot();
        assertThat(second.changesSince(first.facts())).isInstanceOf(ChangeTracking.Tracked.class);
        second.close();

        host.stop("track01");
        host.start("track01");
        try {
            lab.kill(guest);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        host.start("track01");
        assertThat(inconsistent("vd0")).as("QEMU loaded the stored bitmap and was killed").isTrue();
        try (Snapshot third = snapshot()) {
            assertThat(third.changesSince(second.facts())).isEqualTo(new ChangeTracking.Untracked(
                    "bitmap inconsistent: QEMU stopped without saving it"));
        }
        assertThat(bitmapNames("vd0")).containsExactly(lastGeneration);
    }

    @Test
    void anOlderGenerationOrNoneIsUntracked() {
        Snapshot first = snapshot();
        first.close();
        snapshot().close();
        try (Snapshot third = snapshot()) {
            assertThat(third.changesSince(first.facts())).isEqualTo(new ChangeTracking.Untracked(
                    QemuSnapshotWriter.OLDER));
            assertThat(third.changesSince(Map.of())).isEqualTo(new ChangeTracking.Untracked(
                    "the previous point records no bitmap generation"));
        }
    }

    @Test
    void aGuestWithoutBitmapsHasItsFirstSnapshotUntracked() {
        removeAllBitmaps();
        try (Snapshot first = snapshot()) {
            assertThat(first.changesSince(Map.of())).isEqualTo(new ChangeTracking.Untracked(
                    "no earlier tracking: first snapshot of this guest"));
            assertThat(first.facts().get(QemuSnapshotWriter.FACT_BITMAP_GENERATION)).startsWith("stillpoint-");
        }
    }

    @Test
    void aLongWorkPathStillReadsTheBitmap() throws IOException {
        lab.write(guest, 0, next(), 40 * MIB, 2 * MIB);
        Snapshot first = snapshot();
        Map<String, Path> previous = copyDisks(first, "first");
        first.close();
        lab.write(guest, 0, next(), 41 * MIB, 64 * 1024);
        Path longWork = Files.createDirectories(work.resolve("a".repeat(60)).resolve("b".repeat(60)));
        try (Snapshot second = snapshot(HoldMode.PAUSE, longWork)) {
            assertPatchedCopyIsTheView(second.changesSince(first.facts()), previous, second, 64 * 1024);
            assertThat(longWork).isEmptyDirectory();
        }
    }

    /**
     * A save-state inactivates the disks and puts their recording bitmaps away until the guest runs again:
     * the handover starts the new generation without disabling the old one, and both save-state snapshots,
     * with and without a recording generation before them, are tracked exactly.
     */
    @Test
    void saveStateSnapshotsAreTrackedExactly() throws IOException {
        removeAllBitmaps();
        Snapshot savedFirst = snapshot(HoldMode.SAVE_STATE, work);
        Map<String, Path> previous = copyDisks(savedFirst, "saved-first");
        savedFirst.close();
        lab.write(guest, 0, next(), 10 * MIB, MIB);
        Snapshot paused = snapshot();
        assertPatchedCopyIsTheView(paused.changesSince(savedFirst.facts()), previous, paused, MIB);
        previous = copyDisks(paused, "paused");
        paused.close();

        lab.write(guest, 0, next(), 12 * MIB, MIB);
        Snapshot saved = snapshot(HoldMode.SAVE_STATE, work);
        lab.write(guest, 1, next(), 3 * MIB, MIB);
        assertPatchedCopyIsTheView(saved.changesSince(paused.facts()), previous, saved, MIB);
        previous = copyDisks(saved, "saved");
        saved.close();
        assertOneRecordingGeneration(saved.facts().get(QemuSnapshotWriter.FACT_BITMAP_GENERATION));
        lab.write(guest, 1, next(), 2 * MIB, MIB);
        try (Snapshot last = snapshot()) {
            assertPatchedCopyIsTheView(last.changesSince(saved.facts()), previous, last, 2 * MIB);
        }
    }

    @Test
    void recoveryRemovesTheExportsADeadProcessLeftSoTheNextReadingWorks() throws IOException {
        Path socket = work.resolve("left.sock");
        var monitor = lab.monitor(guest);
        monitor.execute("nbd-server-start", Map.of("addr", Map.of("type", "unix", "data",
                Map.of("path", socket.toString()))), QemuLab.PATIENCE);
        monitor.execute("block-export-add", Map.of("type", "nbd", "id", "sp-dirty-deadbeef-0", "node-name", "vd1",
                "writable", false), QemuLab.PATIENCE);
        Snapshot first = snapshot();
        assertThat(first.changesSince(Map.of(QemuSnapshotWriter.FACT_BITMAP_GENERATION, "stillpoint-x")))
                .isInstanceOf(ChangeTracking.Untracked.class);
        Map<String, Path> previous = copyDisks(first, "first");
        first.close();
        writer.recover(host);
        assertThat(monitor.execute("query-block-exports", null, QemuLab.PATIENCE)).isEmpty();
        lab.write(guest, 1, next(), 5 * MIB, MIB);
        try (Snapshot second = snapshot()) {
            assertPatchedCopyIsTheView(second.changesSince(first.facts()), previous, second, MIB);
        }
    }

    @Test
    void aRawDiskIsUntracked() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("vms").resolve("raw01"));
        Path disk = folder.resolve("disk0.img");
        QemuLab.exec(List.of("qemu-img", "create", "-q", "-f", "raw", disk.toString(), Long.toString(16 * MIB)));
        Path run = dir.resolve("run");
        QemuLab.Guest raw = new QemuLab.Guest("raw01", folder, run.resolve("raw01.qmp"), run.resolve("raw01.test.qmp"),
                run.resolve("raw01.pid"), List.of(disk));
        List<String> argv = new ArrayList<>();
        QemuLab.commandLine(raw, 64).forEach(arg -> argv.add(arg.replace("\"driver\":\"qcow2\"", "\"driver\":\"raw\"")));
        QemuLab.exec(argv);
        host.register(Map.of("qmpSocket", raw.qmpSocket().toString()));
        GuestInfo info = host.guest("raw01");
        PreparedSnapshot prepared = writer.prepare(host, info, work);
        Snapshot snapshot;
        try (prepared; GuestHold hold = host.hold(info.ref(), HoldMode.PAUSE)) {
            snapshot = prepared.create();
        }
        try (snapshot) {
            assertThat(snapshot.facts()).doesNotContainKey(QemuSnapshotWriter.FACT_BITMAP_GENERATION);
            assertThat(snapshot.changesSince(Map.of())).isEqualTo(new ChangeTracking.Untracked(
                    "persistent bitmaps need qcow2, disk is raw"));
        }
    }

    private String lastGeneration;

    private void removeAllBitmaps() {
        for (String node : List.of("vd0", "vd1")) {
            for (String name : bitmapNames(node)) {
                lab.monitor(guest).execute("block-dirty-bitmap-remove", Map.of("node", node, "name", name),
                        QemuLab.PATIENCE);
            }
        }
    }

    private Snapshot snapshot() {
        return snapshot(HoldMode.PAUSE, work);
    }

    private Snapshot snapshot(HoldMode mode, Path workDir) {
        GuestInfo info = host.guest("track01");
        PreparedSnapshot prepared = writer.prepare(host, info, workDir);
        try (prepared; GuestHold hold = host.hold(info.ref(), mode)) {
            Snapshot snapshot = prepared.create();
            lastGeneration = snapshot.facts().get(QemuSnapshotWriter.FACT_BITMAP_GENERATION);
            return snapshot;
        }
    }

    private int next() {
        pattern = pattern % 0xf0 + 1;
        return pattern;
    }

    private Map<String, Path> copyDisks(Snapshot snapshot, String name) throws IOException {
        Path folder = Files.createDirectories(work.resolve("copy-" + name));
        Map<String, Path> copies = new LinkedHashMap<>();
        for (String disk : DISKS) {
            copies.put(disk, Files.copy(snapshot.view().root().resolve(disk), folder.resolve(disk)));
        }
        return copies;
    }

    /**
     * Patches each previous copy with only the tracked ranges read from the view (and whatever lies past
     * the previous copy's end), then compares it with the view whole.
     */
    private static void assertPatchedCopyIsTheView(ChangeTracking tracking, Map<String, Path> previous, Snapshot next,
            long written) throws IOException {
        assertThat(tracking).isInstanceOf(ChangeTracking.Tracked.class);
        ChangeTracking.Tracked tracked = (ChangeTracking.Tracked) tracking;
        assertThat(tracked.kind()).isEqualTo("bitmap");
        assertThat(tracked.files()).containsOnlyKeys(DISKS);
        long total = 0;
        for (Map.Entry<String, Path> copy : previous.entrySet()) {
            Path view = next.view().root().resolve(copy.getKey());
            ChangedRanges ranges = tracked.files().get(copy.getKey());
            assertThat(ranges.length()).isEqualTo(Files.size(view));
            List<ChangedRanges.Range> reread = new ArrayList<>(ranges.ranges());
            long before = Files.size(copy.getValue());
            if (ranges.length() > before) {
                reread.add(new ChangedRanges.Range(before, ranges.length() - before));
            }
            try (FileChannel from = FileChannel.open(view);
                    FileChannel to = FileChannel.open(copy.getValue(), StandardOpenOption.WRITE)) {
                for (ChangedRanges.Range range : reread) {
                    ByteBuffer bytes = ByteBuffer.allocate((int) range.length());
                    while (bytes.hasRemaining() && from.read(bytes, range.offset() + bytes.position()) > 0) {
                        continue;
                    }
                    to.write(bytes.flip(), range.offset());
                }
                to.truncate(ranges.length());
            }
            assertThat(Files.mismatch(copy.getValue(), view))
                    .as("previous copy of %s patched with the tracked ranges is the new view", copy.getKey())
                    .isEqualTo(-1L);
            total += ranges.bytes();
        }
        assertThat(total).as("tracked bytes: written clusters plus metadata, not whole disks")
                .isLessThanOrEqualTo(written + 4 * MIB);
    }

    private void assertOneRecordingGeneration(String generation) {
        for (String node : List.of("vd0", "vd1")) {
            assertThat(bitmaps(node)).filteredOn(b -> b.path("name").asText().startsWith("stillpoint"))
                    .singleElement().satisfies(bitmap -> {
                        assertThat(bitmap.path("name").asText()).isEqualTo(generation);
                        assertThat(bitmap.path("recording").asBoolean()).isTrue();
                    });
        }
    }

    private boolean inconsistent(String node) {
        return bitmaps(node).stream().anyMatch(b -> b.path("inconsistent").asBoolean(false));
    }

    private List<String> bitmapNames(String node) {
        return bitmaps(node).stream().map(b -> b.path("name").asText()).toList();
    }

    private List<JsonNode> bitmaps(String node) {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode entry : lab.monitor(guest).execute("query-named-block-nodes", Map.of("flat", true),
                QemuLab.PATIENCE)) {
            if (entry.path("node-name").asText().equals(node)) {
                entry.path("dirty-bitmaps").forEach(found::add);
            }
        }
        return found;
    }
}
