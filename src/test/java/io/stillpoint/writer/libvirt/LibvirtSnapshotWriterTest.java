package io.stillpoint.writer.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.host.GuestHold;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestState;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.libvirt.LibvirtBlocks;
import io.stillpoint.host.libvirt.LibvirtHypervisor;
import io.stillpoint.host.libvirt.LibvirtHypervisorFactory;
import io.stillpoint.testing.LibvirtLab;
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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The libvirt writer against the machine's libvirtd, with one persistent domain of two qcow2 disks booted
 * for the class (SeaBIOS finds nothing to boot and idles). The test writes into the running domain's disks
 * through QEMU's block layer, as its guest would; what the view holds is read back from the frozen files.
 */
class LibvirtSnapshotWriterTest {

    private static final long MIB = 1L << 20;

    @TempDir
    static Path root;
    @TempDir
    Path work;

    private static LibvirtLab lab;
    private static LibvirtLab.Domain domain;
    private static Path secondDisk;
    private static LibvirtHypervisor host;
    private static LibvirtSnapshotWriter writer;

    private int pattern = 0x20;

    @BeforeAll
    static void bootDomain() throws IOException {
        lab = new LibvirtLab();
        Path dir = lab.root().resolve(lab.named("data"));
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        secondDisk = dir.resolve("data.qcow2");
        LibvirtLab.exec(List.of("qemu-img", "create", "-q", "-f", "qcow2", secondDisk.toString(), "32M"));
        domain = lab.define("track01", false, 64, 64, "<disk type='file' device='disk'><driver name='qemu'"
                + " type='qcow2'/><source file='" + secondDisk + "'/><target dev='vdb' bus='virtio'/></disk>");
        lab.start(domain);
        host = (LibvirtHypervisor) new LibvirtHypervisorFactory(root).create("lv", Map.of("uri", LibvirtLab.URI,
                "root", root.resolve("host").toString(), "shutdownTimeoutMillis", "300"));
        writer = new LibvirtSnapshotWriter(new TrustedExecutables(List.of("/usr/bin/qemu-img"), "qemu-img"),
                new TrustedExecutables(List.of("/usr/bin/qemu-nbd"), "qemu-nbd"));
    }

    @AfterAll
    static void removeDomain() throws IOException {
        if (domain != null) {
            for (String checkpoint : host.blocks().checkpoints(domain.uuid())) {
                LibvirtLab.virsh("checkpoint-delete", domain.uuid(), checkpoint);
            }
        }
        if (host != null) {
            host.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    /** A test that failed with a snapshot on must not fail the others: recovery commits it. */
    @BeforeEach
    void domainRuns() {
        host.start(domain.uuid());
        writer.recover(host);
    }

    @Test
    void theViewHoldsTheDisksAtTheSnapshotAndReleaseLeavesNothingBehind() throws IOException {
        LibvirtLab.write(domain, "vda", 0xa1, 0, MIB);
        Snapshot snapshot = snapshot(HoldMode.PAUSE);
        try {
            LibvirtLab.write(domain, "vda", 0xb2, 0, MIB);
            LibvirtLab.write(domain, "vdb", 0xb3, 2 * MIB, MIB);
            Path vda = snapshot.view().grafts().get("vda").resolve("disk0.qcow2");
            assertThat(Files.isSameFile(vda, domain.disks().get(0))).as("a hard link to the frozen disk").isTrue();
            assertThat(QemuLab.holds(vda, 0xa1, 0, MIB)).isTrue();
            assertThat(QemuLab.holds(vda, 0xb2, 0, MIB)).as("a write after the snapshot").isFalse();
            assertThat(snapshot.view().grafts()).containsOnlyKeys("vda", "vdb");
            assertThat(Files.readString(snapshot.view().root().resolve(LibvirtSnapshotWriter.DOMAIN_XML)))
                    .contains("<uuid>" + domain.uuid() + "</uuid>").contains(domain.disks().get(0).toString());
            assertThat(host.blocks().disks(domain.uuid())).extracting(LibvirtBlocks.Disk::file)
                    .noneMatch(file -> file.equals(domain.disks().get(0)));
        } finally {
            snapshot.close();
        }
        assertThat(host.blocks().disks(domain.uuid())).extracting(LibvirtBlocks.Disk::file)
                .containsExactly(domain.disks().get(0), secondDisk);
        assertThat(host.blocks().definedDisks(domain.uuid())).extracting(LibvirtBlocks.Disk::file)
                .as("the persistent definition is back on the disks").containsExactly(domain.disks().get(0), secondDisk);
        assertThat(QemuLab.holds(domain.disks().get(0), 0xb2, 0, MIB)).as("the overlay's writes are in the disk").isTrue();
        assertThat(QemuLab.holds(secondDisk, 0xb3, 2 * MIB, MIB)).isTrue();
        assertThat(domain.disks().get(0).getParent().resolve(LibvirtSnapshotWriter.VIEWS_DIR)).doesNotExist();
        assertThat(secondDisk.getParent().resolve(LibvirtSnapshotWriter.VIEWS_DIR)).doesNotExist();
        assertThat(stillpointCheckpoints()).containsExactly(snapshot.facts().get(LibvirtSnapshotWriter.FACT_CHECKPOINT));
    }

    @Test
    void theCheckpointsRangesTurnThePreviousCopyIntoTheNextViewByteForByte() throws IOException {
        LibvirtLab.write(domain, "vda", next(), 8 * MIB, 4 * MIB);
        Snapshot first = snapshot(HoldMode.PAUSE);
        Map<String, Path> previous = copy(first, "first");
        LibvirtLab.write(domain, "vda", next(), 9 * MIB, MIB);
        first.close();
        LibvirtLab.write(domain, "vdb", next(), 5 * MIB, 64 * 1024);
        LibvirtLab.write(domain, "vda", next(), 30 * MIB, MIB);

        try (Snapshot second = snapshot(HoldMode.PAUSE)) {
            LibvirtLab.write(domain, "vda", next(), 40 * MIB, MIB);
            ChangeTracking tracking = second.changesSince(first.facts());
            assertThat(tracking).isInstanceOf(ChangeTracking.Tracked.class);
            Map<String, ChangedRanges> files = ((ChangeTracking.Tracked) tracking).files();
            assertThat(files).containsOnlyKeys("vda/disk0.qcow2", "vdb/data.qcow2");
            assertPatchedCopiesAreTheView(files, previous, second);
            assertThat(files.values().stream().mapToLong(ChangedRanges::bytes).sum())
                    .as("the written clusters and metadata, not whole disks").isLessThan(12 * MIB);
        }
        assertThat(stillpointCheckpoints()).hasSize(1);
    }

    @Test
    void aMissingCheckpointIsUntrackedAndTheNextSnapshotTracksAgain() throws IOException {
        Snapshot first = snapshot(HoldMode.PAUSE);
        first.close();
        LibvirtLab.virsh("checkpoint-delete", domain.uuid(), first.facts().get(LibvirtSnapshotWriter.FACT_CHECKPOINT));
        Snapshot second = snapshot(HoldMode.PAUSE);
        ChangeTracking lost = second.changesSince(first.facts());
        assertThat(lost).isInstanceOf(ChangeTracking.Untracked.class);
        assertThat(((ChangeTracking.Untracked) lost).reason()).contains("is gone");
        Map<String, Path> previous = copy(second, "second");
        second.close();
        LibvirtLab.write(domain, "vdb", next(), 0, MIB);
        try (Snapshot third = snapshot(HoldMode.PAUSE)) {
            ChangeTracking tracking = third.changesSince(second.facts());
            assertThat(tracking).isInstanceOf(ChangeTracking.Tracked.class);
            assertPatchedCopiesAreTheView(((ChangeTracking.Tracked) tracking).files(), previous, third);
        }
    }

    @Test
    void aDiscardedPreparationLeavesNoFolderOverlayOrCheckpoint() throws IOException {
        List<String> before = stillpointCheckpoints();
        writer.prepare(host, host.guest(domain.uuid()), work).close();
        assertThat(stillpointCheckpoints()).isEqualTo(before);
        assertThat(domain.disks().get(0).getParent().resolve(LibvirtSnapshotWriter.VIEWS_DIR)).doesNotExist();
        assertThat(host.blocks().disks(domain.uuid())).extracting(LibvirtBlocks.Disk::file)
                .containsExactly(domain.disks().get(0), secondDisk);
    }

    @Test
    void aStopSnapshotRunsTheDomainOnTheOverlaysUntilRelease() throws IOException {
        LibvirtLab.write(domain, "vda", 0xc1, 20 * MIB, MIB);
        Snapshot snapshot = snapshot(HoldMode.STOP);
        try {
            assertThat(host.guest(domain.uuid()).state()).isEqualTo(GuestState.RUNNING);
            LibvirtLab.write(domain, "vda", 0xc2, 20 * MIB, MIB);
            Path vda = snapshot.view().grafts().get("vda").resolve("disk0.qcow2");
            assertThat(QemuLab.holds(vda, 0xc1, 20 * MIB, MIB)).isTrue();
        } finally {
            snapshot.close();
        }
        assertThat(host.blocks().definedDisks(domain.uuid())).extracting(LibvirtBlocks.Disk::file)
                .containsExactly(domain.disks().get(0), secondDisk);
        assertThat(QemuLab.holds(domain.disks().get(0), 0xc2, 20 * MIB, MIB)).isTrue();
    }

    @Test
    void aSaveStateSnapshotKeepsTheStateAndTheNextPointTracksTheWritesMadeOnTheOverlays() throws IOException {
        LibvirtLab.write(domain, "vda", 0xe1, 24 * MIB, MIB);
        Snapshot saved = snapshot(HoldMode.SAVE_STATE);
        Map<String, Path> previous;
        try {
            assertThat(host.guest(domain.uuid()).state()).isEqualTo(GuestState.RUNNING);
            LibvirtLab.write(domain, "vda", 0xe2, 24 * MIB, MIB);
            Path vda = saved.view().grafts().get("vda").resolve("disk0.qcow2");
            assertThat(QemuLab.holds(vda, 0xe1, 24 * MIB, MIB)).isTrue();
            assertThat(saved.view().root().resolve(LibvirtSnapshotWriter.SAVED_STATE)).isRegularFile()
                    .satisfies(state -> assertThat(Files.size(state)).as("memory and device state").isGreaterThan(64 * 1024));
            previous = copy(saved, "saved");
        } finally {
            saved.close();
        }
        assertThat(host.blocks().disks(domain.uuid())).extracting(LibvirtBlocks.Disk::file)
                .containsExactly(domain.disks().get(0), secondDisk);
        assertThat(QemuLab.holds(domain.disks().get(0), 0xe2, 24 * MIB, MIB)).isTrue();
        try (Snapshot next = snapshot(HoldMode.PAUSE)) {
            ChangeTracking tracking = next.changesSince(saved.facts());
            assertThat(tracking).isInstanceOf(ChangeTracking.Tracked.class);
            assertPatchedCopiesAreTheView(((ChangeTracking.Tracked) tracking).files(), previous, next);
        }
    }

    @Test
    void recoveryCommitsWhatADeadProcessLeftOnTop() throws IOException {
        Snapshot abandoned = snapshot(HoldMode.PAUSE);
        LibvirtLab.write(domain, "vda", 0xd1, 50 * MIB, MIB);
        assertThat(abandoned.facts()).containsKey(LibvirtSnapshotWriter.FACT_SNAPSHOT_ID);

        writer.recover(host);

        assertThat(host.blocks().disks(domain.uuid())).extracting(LibvirtBlocks.Disk::file)
                .containsExactly(domain.disks().get(0), secondDisk);
        assertThat(QemuLab.holds(domain.disks().get(0), 0xd1, 50 * MIB, MIB)).isTrue();
        assertThat(domain.disks().get(0).getParent().resolve(LibvirtSnapshotWriter.VIEWS_DIR)).doesNotExist();
    }

    /**
     * A process that died between starting the commit and pivoting left the job mirroring: recovery pivots
     * it (libvirt would refuse a second commit on the disk), and drops the dead snapshot's checkpoint.
     */
    @Test
    void recoveryFinishesACommitJobADeadProcessLeftRunning() throws IOException {
        Snapshot abandoned = snapshot(HoldMode.PAUSE);
        LibvirtLab.write(domain, "vda", 0xd2, 52 * MIB, MIB);
        LibvirtLab.virsh("blockcommit", domain.uuid(), "vda", "--active", "--wait");
        LibvirtLab.virsh("blockcommit", domain.uuid(), "vdb", "--active", "--wait");
        assertThat(LibvirtLab.virsh("blockjob", domain.uuid(), "vda", "--info")).contains("Commit");

        writer.recover(host);

        assertThat(LibvirtLab.virsh("blockjob", domain.uuid(), "vda", "--info")).as("no block job").isBlank();
        assertThat(host.blocks().disks(domain.uuid())).extracting(LibvirtBlocks.Disk::file)
                .containsExactly(domain.disks().get(0), secondDisk);
        assertThat(host.blocks().definedDisks(domain.uuid())).extracting(LibvirtBlocks.Disk::file)
                .containsExactly(domain.disks().get(0), secondDisk);
        assertThat(QemuLab.holds(domain.disks().get(0), 0xd2, 52 * MIB, MIB)).isTrue();
        assertThat(domain.disks().get(0).getParent().resolve(LibvirtSnapshotWriter.VIEWS_DIR)).doesNotExist();
        assertThat(root.resolve("host").resolve(LibvirtSnapshotWriter.VIEWS_DIR)).doesNotExist();
        assertThat(stillpointCheckpoints()).doesNotContain(abandoned.facts().get(LibvirtSnapshotWriter.FACT_CHECKPOINT));
    }

    private Snapshot snapshot(HoldMode mode) {
        GuestInfo info = host.guest(domain.uuid());
        PreparedSnapshot prepared = writer.prepare(host, info, work);
        try (prepared; GuestHold hold = host.hold(info.ref(), mode)) {
            return prepared.create();
        }
    }

    private List<String> stillpointCheckpoints() {
        return host.blocks().checkpoints(domain.uuid()).stream().filter(LibvirtSnapshotWriter::isCheckpoint).toList();
    }

    private int next() {
        pattern = pattern % 0xf0 + 1;
        return pattern;
    }

    private Map<String, Path> copy(Snapshot snapshot, String name) throws IOException {
        Path folder = Files.createDirectories(work.resolve("copy-" + name));
        return Map.of("vda/disk0.qcow2", Files.copy(snapshot.view().grafts().get("vda").resolve("disk0.qcow2"),
                folder.resolve("disk0.qcow2")), "vdb/data.qcow2", Files.copy(snapshot.view().grafts().get("vdb")
                        .resolve("data.qcow2"), folder.resolve("data.qcow2")));
    }

    private static void assertPatchedCopiesAreTheView(Map<String, ChangedRanges> files, Map<String, Path> previous,
            Snapshot next) throws IOException {
        for (Map.Entry<String, Path> copy : previous.entrySet()) {
            String[] at = copy.getKey().split("/", 2);
            Path view = next.view().grafts().get(at[0]).resolve(at[1]);
            ChangedRanges ranges = files.get(copy.getKey());
            assertThat(ranges.length()).isEqualTo(Files.size(view));
            try (FileChannel from = FileChannel.open(view);
                    FileChannel to = FileChannel.open(copy.getValue(), StandardOpenOption.WRITE)) {
                long before = to.size();
                for (ChangedRanges.Range range : ranges.ranges()) {
                    patch(from, to, range.offset(), range.length());
                }
                if (ranges.length() > before) {
                    patch(from, to, before, ranges.length() - before);
                }
                to.truncate(ranges.length());
            }
            assertThat(Files.mismatch(copy.getValue(), view)).as("%s patched with the tracked ranges", copy.getKey())
                    .isEqualTo(-1L);
        }
    }

    private static void patch(FileChannel from, FileChannel to, long offset, long length) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate((int) length);
        while (bytes.hasRemaining() && from.read(bytes, offset + bytes.position()) > 0) {
            continue;
        }
        to.write(bytes.flip(), offset);
    }
}
