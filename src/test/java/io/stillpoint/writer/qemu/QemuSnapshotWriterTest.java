package io.stillpoint.writer.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.stillpoint.copy.CancellationSignal;
import io.stillpoint.copy.CopyListener;
import io.stillpoint.copy.CopyOptions;
import io.stillpoint.copy.TreeCopier;
import io.stillpoint.host.GuestHold;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestState;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.qemu.QemuDeadlines;
import io.stillpoint.host.qemu.QemuHypervisor;
import io.stillpoint.testing.AgentStandIn;
import io.stillpoint.testing.LogCapture;
import io.stillpoint.testing.QemuLab;
import io.stillpoint.writer.Snapshot;
import io.stillpoint.writer.SnapshotFolders;
import io.stillpoint.writer.SnapshotException;
import io.stillpoint.writer.SnapshotWriter;
import io.stillpoint.writer.SnapshotWriterContract;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The overlay writer against real qemu-system-x86_64 guests. */
class QemuSnapshotWriterTest extends SnapshotWriterContract {

    private static final long MIB = 1L << 20;
    private static final int A = 0xa1;
    private static final int B = 0xb2;

    @TempDir
    Path dir;

    private QemuLab lab;
    private AgentStandIn agent;
    private QemuHypervisor host;
    private QemuSnapshotWriter writer;
    private QemuLab.Guest busy;
    private QemuLab.Guest quiet;
    private Thread guestIo;
    private volatile boolean writing = true;

    @BeforeEach
    void startGuests() throws IOException {
        lab = new QemuLab(dir);
        busy = lab.start("busy01", 64, 32 * MIB);
        quiet = lab.start("quiet01", 64, 32 * MIB, 16 * MIB);
        agent = new AgentStandIn(busy.agentSocket());
        host = new QemuHypervisor("kvm1", dir.resolve("host"), new QemuDeadlines(Duration.ofSeconds(10),
                Duration.ofMillis(300), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(60)));
        host.register(Map.of("qmpSocket", busy.qmpSocket().toString(), "guestAgentSocket", agent.socket().toString()));
        host.register(Map.of("qmpSocket", quiet.qmpSocket().toString()));
        writer = new QemuSnapshotWriter();
        guestIo = new Thread(this::keepWriting, "busy01-io");
        guestIo.setDaemon(true);
        guestIo.start();
    }

    /**
     * The busy guest writes 64 KiB somewhere every few milliseconds, across restarts of its QEMU, and only
     * while its vCPUs run, as a guest does: QEMU aborts on a write through the monitor into an image a
     * finished save-state has handed over. One monitor command per write, so that a save-state cannot
     * complete between a write and its flush.
     */
    private void keepWriting() {
        while (writing) {
            try {
                if (!lab.monitor(busy).execute("query-status", null, QemuLab.PATIENCE).path("running").asBoolean()) {
                    Thread.sleep(2);
                    continue;
                }
                long cluster = ThreadLocalRandom.current().nextLong(32 * MIB / 65536);
                lab.writeUnflushed(busy, 0, ThreadLocalRandom.current().nextInt(1, 255), cluster * 65536, 65536);
                Thread.sleep(5);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    @AfterEach
    void stopGuests() throws Exception {
        writing = false;
        guestIo.join(5000);
        host.close();
        agent.close();
        lab.close();
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
        return host.guest("busy01");
    }

    private GuestInfo quietGuest() {
        return host.guest("quiet01");
    }

    private Snapshot snapshotOf(GuestInfo guest, HoldMode mode) {
        var prepared = writer.prepare(host, guest, workDir);
        try (prepared; GuestHold hold = host.hold(guest.ref(), mode)) {
            return prepared.create();
        }
    }

    @Test
    void theCopyHoldsThePointInTimeAndTheLiveDisksKeepEveryWrite() throws IOException {
        lab.write(quiet, 0, A, 0, 4 * MIB);
        lab.write(quiet, 1, A, MIB, MIB);
        Path copy = dir.resolve("copy");
        try (Snapshot snapshot = snapshotOf(quietGuest(), HoldMode.PAUSE)) {
            assertThat(host.guest("quiet01").state()).isEqualTo(GuestState.RUNNING);
            lab.write(quiet, 0, B, 8 * MIB, 2 * MIB);
            lab.write(quiet, 0, B, 0, MIB);
            lab.write(quiet, 1, B, 4 * MIB, MIB);
            Thread during = new Thread(() -> lab.write(quiet, 0, B, 12 * MIB, 4 * MIB));
            during.start();
            new TreeCopier(new CopyOptions(0, false)).copy(snapshot.view().root(), copy, CopyListener.NONE,
                    new CancellationSignal());
            join(during);
            assertThat(snapshot.facts()).containsKeys("snapshot.id", "overlay.vd0", "overlay.vd1", "bitmap.generation");
        }
        Path disk0 = copy.resolve("disk0.qcow2");
        Path disk1 = copy.resolve("disk1.qcow2");
        QemuLab.check(disk0);
        QemuLab.check(disk1);
        assertThat(QemuLab.holds(disk0, A, 0, 4 * MIB)).as("A at 0 in the copy").isTrue();
        assertThat(QemuLab.holds(disk0, 0, 8 * MIB, 2 * MIB)).as("no B at 8 MiB in the copy").isTrue();
        assertThat(QemuLab.holds(disk0, 0, 12 * MIB, 4 * MIB)).as("no B written during the copy").isTrue();
        assertThat(QemuLab.holds(disk1, A, MIB, MIB)).isTrue();
        assertThat(QemuLab.holds(disk1, 0, 4 * MIB, MIB)).isTrue();
        assertThat(copy).isDirectoryContaining(p -> p.getFileName().toString().equals("launch.json"));

        assertNothingLeftBehind(quiet);
        assertThat(lab.reads(quiet, 0, B, 0, MIB)).isTrue();
        assertThat(lab.reads(quiet, 0, A, MIB, 3 * MIB)).isTrue();
        assertThat(lab.reads(quiet, 0, B, 8 * MIB, 2 * MIB)).isTrue();
        assertThat(lab.reads(quiet, 0, B, 12 * MIB, 4 * MIB)).isTrue();
        assertThat(lab.reads(quiet, 1, B, 4 * MIB, MIB)).isTrue();
    }

    @Test
    void bothDisksGetTheirOverlayInOneTransaction() throws IOException {
        try (Snapshot snapshot = snapshotOf(quietGuest(), HoldMode.PAUSE)) {
            String id = snapshot.facts().get("snapshot.id");
            assertThat(lab.blockNodes(quiet)).contains("sp-ovl-" + id + "-0", "sp-ovl-" + id + "-1", "vd0", "vd1");
            assertThat(quiet.directory().resolve("disk0.qcow2.sp-" + id + ".qcow2")).isRegularFile();
            assertThat(quiet.directory().resolve("disk1.qcow2.sp-" + id + ".qcow2")).isRegularFile();
        }
        assertNothingLeftBehind(quiet);
    }

    @Test
    void theNewBitmapGenerationSeesTheWritesMadeWhileTheSnapshotExisted() {
        Snapshot first = snapshotOf(quietGuest(), HoldMode.PAUSE);
        String generation = first.facts().get("bitmap.generation");
        assertThat(generation).startsWith("stillpoint-");
        lab.write(quiet, 0, B, 0, 3 * MIB);
        first.close();
        for (var node : lab.monitor(quiet).execute("query-named-block-nodes", Map.of("flat", true), QemuLab.PATIENCE)) {
            if (node.path("node-name").asText().equals("vd0")) {
                assertThat(node.path("dirty-bitmaps")).singleElement().satisfies(bitmap -> {
                    assertThat(bitmap.path("name").asText()).isEqualTo(generation);
                    assertThat(bitmap.path("recording").asBoolean()).isTrue();
                    assertThat(bitmap.path("count").asLong()).isGreaterThanOrEqualTo(3 * MIB);
                });
            }
        }
    }

    @Test
    void aSaveStateViewHoldsTheMemoryAndTheGuestRunsWithoutIt() throws IOException {
        lab.write(quiet, 0, A, 0, MIB);
        try (Snapshot snapshot = snapshotOf(quietGuest(), HoldMode.SAVE_STATE)) {
            assertThat(host.guest("quiet01").state()).isEqualTo(GuestState.RUNNING);
            assertThat(quiet.directory().resolve("vmstate.bin")).doesNotExist();
            assertThat(Files.size(snapshot.view().root().resolve("vmstate.bin"))).isPositive();
            lab.write(quiet, 0, B, 0, MIB);
            assertThat(QemuLab.holds(snapshot.view().root().resolve("disk0.qcow2"), A, 0, MIB)).isTrue();
        }
        assertNothingLeftBehind(quiet);
        assertThat(lab.reads(quiet, 0, B, 0, MIB)).isTrue();
    }

    @Test
    void qemuKilledDuringTheCopyIsReportedOffAndTheOverlayMergedOffline() throws IOException {
        lab.write(quiet, 0, A, 0, MIB);
        Snapshot snapshot = snapshotOf(quietGuest(), HoldMode.PAUSE);
        lab.write(quiet, 0, B, 2 * MIB, MIB);
        lab.kill(quiet);
        assertThat(host.guest("quiet01").state()).isEqualTo(GuestState.OFF);
        snapshot.close();
        assertThat(overlayFiles(quiet)).isEmpty();
        assertThat(quiet.directory().resolve(".stillpoint-snapshots")).doesNotExist();
        Path disk0 = quiet.disks().get(0);
        QemuLab.check(disk0);
        assertThat(QemuLab.holds(disk0, A, 0, MIB)).isTrue();
        assertThat(QemuLab.holds(disk0, B, 2 * MIB, MIB)).as("the write after the snapshot survived").isTrue();
        host.start("quiet01");
        assertThat(host.guest("quiet01").state()).isEqualTo(GuestState.RUNNING);
        assertNothingLeftBehind(quiet);
    }

    @Test
    void qemuKilledAndStartedAgainRunsOnTheOverlayUntilReleased() throws IOException {
        Snapshot snapshot = snapshotOf(quietGuest(), HoldMode.PAUSE);
        String id = snapshot.facts().get("snapshot.id");
        lab.write(quiet, 0, B, 0, MIB);
        lab.kill(quiet);
        host.start("quiet01");
        assertThat(lab.blockNodes(quiet)).contains("sp-ovl-" + id + "-0", "sp-ovl-" + id + "-1");
        assertThat(lab.reads(quiet, 0, B, 0, MIB)).isTrue();
        assertThat(QemuLab.holds(snapshot.view().root().resolve("disk0.qcow2"), 0, 0, MIB)).isTrue();
        snapshot.close();
        assertNothingLeftBehind(quiet);
        assertThat(lab.reads(quiet, 0, B, 0, MIB)).isTrue();
    }

    @Test
    void aFullTargetFailsTheCopyAndTheReleaseLeavesNothingBehind() throws IOException {
        try (Snapshot snapshot = snapshotOf(quietGuest(), HoldMode.PAUSE)) {
            lab.write(quiet, 0, B, 0, MIB);
            Path disk = snapshot.view().root().resolve("disk0.qcow2");
            assertThatThrownBy(() -> {
                try (FileChannel in = FileChannel.open(disk); FileChannel full = FileChannel.open(Path.of("/dev/full"),
                        StandardOpenOption.WRITE)) {
                    in.transferTo(0, in.size(), full);
                }
            }).isInstanceOf(IOException.class).hasMessageContaining("No space left on device");
        }
        assertThat(host.guest("quiet01").state()).isEqualTo(GuestState.RUNNING);
        assertNothingLeftBehind(quiet);
        assertThat(lab.reads(quiet, 0, B, 0, MIB)).isTrue();
    }

    @Test
    void aFailedBlockCommitKeepsTheOverlayAndRecoveryMergesIt() throws IOException {
        lab.write(quiet, 0, A, 0, 8 * MIB);
        Snapshot snapshot = snapshotOf(quietGuest(), HoldMode.PAUSE);
        String overlay = "sp-ovl-" + snapshot.facts().get("snapshot.id") + "-0";
        lab.write(quiet, 0, B, 0, MIB);
        // Another job on the overlay (a stream throttled to a byte a second: it never gets far) makes QEMU refuse the commit, as any conflicting block job would.
        lab.monitor(quiet).execute("block-stream", Map.of("job-id", "blocker", "device", overlay, "speed", 1),
                QemuLab.PATIENCE);
        assertThatThrownBy(snapshot::close).isInstanceOf(SnapshotException.class).hasMessageContaining("quiet01");
        assertThat(host.guest("quiet01").state()).isEqualTo(GuestState.RUNNING);
        assertThat(lab.blockNodes(quiet)).as("the overlay holds the guest's newest writes").contains(overlay);

        lab.monitor(quiet).execute("block-job-cancel", Map.of("device", "blocker"), QemuLab.PATIENCE);
        await().atMost(QemuLab.PATIENCE).until(() -> !lab.blockJobs(quiet).contains("blocker"));
        writer.recover(host);
        assertNothingLeftBehind(quiet);
        assertThat(lab.reads(quiet, 0, B, 0, MIB)).isTrue();
        snapshot.close();
    }

    @Test
    void recoveryAfterAStillpointCrashMergesWhatItFinds() throws IOException {
        Snapshot forgotten = snapshotOf(quietGuest(), HoldMode.PAUSE);
        assertThat(forgotten.view().root()).isDirectory();
        lab.write(quiet, 1, B, 0, MIB);
        host.close();
        host = new QemuHypervisor("kvm1", dir.resolve("host"), host.deadlines());
        assertThatThrownBy(() -> new QemuSnapshotWriter().prepare(host, quietGuest(), workDir))
                .isInstanceOf(SnapshotException.class).hasMessageContaining("overlay");
        new QemuSnapshotWriter().recover(host);
        assertNothingLeftBehind(quiet);
        assertThat(quiet.directory().resolve(".stillpoint-snapshots")).doesNotExist();
        assertThat(lab.reads(quiet, 1, B, 0, MIB)).isTrue();
    }

    /**
     * Beside a guest's disks and in its views folder, recovery touches only what is provably Stillpoint's:
     * the abandoned snapshot's overlays (their id proven by its marked folder) are merged and its folder
     * goes; links named like overlays or views, the views folder itself as a link, and folders without
     * the marker are left, and what they point to is never written. Before, {@code qemu-img commit} ran on
     * a planted overlay link and merged its target into that target's own backing file.
     */
    @Test
    void recoveryLeavesWhatItCannotProveIsOurs(@TempDir Path elsewhere) throws IOException {
        lab.write(quiet, 0, A, 0, MIB);
        Snapshot abandoned = snapshotOf(quietGuest(), HoldMode.PAUSE);
        Path ours = abandoned.view().root().getParent();
        lab.write(quiet, 0, B, 0, MIB);
        lab.kill(quiet);

        Path victimBase = elsewhere.resolve("base.qcow2");
        Path victimTop = elsewhere.resolve("top.qcow2");
        QemuLab.exec(List.of("qemu-img", "create", "-q", "-f", "qcow2", victimBase.toString(), "4M"));
        QemuLab.exec(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", victimBase.toString(),
                victimTop.toString()));
        QemuLab.exec(List.of("qemu-io", "-f", "qcow2", "-c", "write -P 0xcc 0 64k", victimTop.toString()));
        Path victims = Files.createDirectories(elsewhere.resolve("folder"));
        Files.writeString(victims.resolve("keep.txt"), "keep");
        Path baseBefore = Files.copy(victimBase, elsewhere.resolve("base.before"));
        Path topBefore = Files.copy(victimTop, elsewhere.resolve("top.before"));

        Path quietOverlayLink = Files.createSymbolicLink(
                quiet.directory().resolve("disk1.qcow2.sp-" + shortId() + ".qcow2"), victimTop);
        Path busyOverlayLink = Files.createSymbolicLink(
                busy.directory().resolve("disk0.qcow2.sp-" + shortId() + ".qcow2"), victimTop);
        Path views = quiet.directory().resolve(".stillpoint-snapshots");
        Files.writeString(Files.createDirectories(views.resolve("family-photos")).resolve("1.jpg"), "jpeg");
        Path viewLink = Files.createSymbolicLink(views.resolve(UUID.randomUUID().toString()), victims);
        Path unmarked = Files.createDirectories(views.resolve(UUID.randomUUID().toString()));
        Path busyViews = Files.createSymbolicLink(busy.directory().resolve(".stillpoint-snapshots"), victims);

        List<String> logged;
        try (LogCapture log = LogCapture.of(QemuSnapshotWriter.class, SnapshotFolders.class)) {
            writer.recover(host);
            logged = log.messages();
        }

        assertThat(Files.mismatch(victimBase, baseBefore)).as("the victim's backing file is unchanged").isEqualTo(-1);
        assertThat(Files.mismatch(victimTop, topBefore)).as("the victim is unchanged").isEqualTo(-1);
        assertThat(quietOverlayLink).isSymbolicLink();
        assertThat(busyOverlayLink).isSymbolicLink();
        assertThat(views.resolve("family-photos/1.jpg")).hasContent("jpeg");
        assertThat(viewLink).isSymbolicLink();
        assertThat(unmarked).isDirectory();
        assertThat(busyViews).isSymbolicLink();
        assertThat(victims.resolve("keep.txt")).hasContent("keep");
        try (Stream<Path> left = Files.list(victims)) {
            assertThat(left).as("nothing written into the folder a link points to").hasSize(1);
        }
        assertThat(ours).doesNotExist();
        assertThat(overlayFiles(quiet)).containsExactly(quietOverlayLink);
        assertThat(QemuLab.holds(quiet.disks().get(0), B, 0, MIB)).as("the write after the snapshot was merged")
                .isTrue();
        for (Path named : List.of(quietOverlayLink, busyOverlayLink, views.resolve("family-photos"), viewLink, unmarked,
                busyViews)) {
            assertThat(logged).as(named.toString())
                    .anyMatch(m -> m.startsWith("WARN") && m.contains(named.toString()));
        }
    }

    /**
     * A Stillpoint older than the snapshot folders left overlays with no folder to prove them. One that is
     * exactly what that version made, a qcow2 image whose backing file is the very disk beside it, is
     * merged; a file named like one that is anything else, and the old unmarked view, are left.
     */
    @Test
    void overlaysOfAnEarlierVersionAreMergedOnlyWhenTheyAreExactlyOverlaysOfTheirDisk(@TempDir Path elsewhere)
            throws IOException {
        lab.write(quiet, 0, A, 0, MIB);
        Snapshot abandoned = snapshotOf(quietGuest(), HoldMode.PAUSE);
        String id = abandoned.facts().get("snapshot.id");
        lab.write(quiet, 0, B, 0, MIB);
        lab.kill(quiet);
        Path views = quiet.directory().resolve(".stillpoint-snapshots");
        try (Stream<Path> folders = Files.list(views)) {
            for (Path folder : folders.toList()) {
                Files.delete(folder.resolve(".stillpoint-owned"));
                Files.move(folder, views.resolve(id));
            }
        }
        Path foreignBase = elsewhere.resolve("base.qcow2");
        QemuLab.exec(List.of("qemu-img", "create", "-q", "-f", "qcow2", foreignBase.toString(), "4M"));
        Path foreign = quiet.directory().resolve("disk1.qcow2.sp-" + shortId() + ".qcow2");
        QemuLab.exec(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", foreignBase.toString(),
                foreign.toString()));
        QemuLab.exec(List.of("qemu-io", "-f", "qcow2", "-c", "write -P 0xcc 0 64k", foreign.toString()));
        Path foreignBefore = Files.copy(foreign, elsewhere.resolve("foreign.before"));
        Path baseBefore = Files.copy(foreignBase, elsewhere.resolve("base.before"));

        writer.recover(host);

        assertThat(overlayFiles(quiet)).containsExactly(foreign);
        assertThat(Files.mismatch(foreign, foreignBefore)).isEqualTo(-1);
        assertThat(Files.mismatch(foreignBase, baseBefore)).isEqualTo(-1);
        assertThat(views.resolve(id)).isDirectory();
        assertThat(QemuLab.holds(quiet.disks().get(0), B, 0, MIB)).as("the earlier overlay was merged").isTrue();
    }

    private static String shortId() {
        return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    }

    @Test
    void anOffGuestIsSnapshottedAndStartedOnItsOverlay() throws IOException {
        lab.write(quiet, 0, A, 0, MIB);
        host.stop("quiet01");
        try (Snapshot snapshot = snapshotOf(quietGuest(), HoldMode.PAUSE)) {
            host.start("quiet01");
            lab.write(quiet, 0, B, 0, MIB);
            assertThat(QemuLab.holds(snapshot.view().root().resolve("disk0.qcow2"), A, 0, MIB)).isTrue();
        }
        assertNothingLeftBehind(quiet);
        assertThat(lab.reads(quiet, 0, B, 0, MIB)).isTrue();
    }

    private void assertNothingLeftBehind(QemuLab.Guest guest) {
        assertThat(lab.blockNodes(guest)).noneMatch(n -> n.startsWith("sp-") || n.startsWith("#"));
        assertThat(lab.blockJobs(guest)).isEmpty();
        assertThat(overlayFiles(guest)).isEmpty();
        assertThat(guest.directory().resolve(".stillpoint-snapshots")).doesNotExist();
    }

    private static List<Path> overlayFiles(QemuLab.Guest guest) {
        try (Stream<Path> files = Files.list(guest.directory())) {
            return files.filter(p -> p.getFileName().toString().contains(".sp-")).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void join(Thread thread) {
        try {
            thread.join(QemuLab.PATIENCE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
