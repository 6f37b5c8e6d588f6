package io.stillpoint.copy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stillpoint.repository.ChunkIndex;
import io.stillpoint.repository.Manifest;
import io.stillpoint.repository.ManifestEntry;
import io.stillpoint.repository.RepositoryLayout;
import io.stillpoint.testing.LoopFileSystem;
import io.stillpoint.testing.TestFiles;
import io.stillpoint.writer.ChangedRanges;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Incremental copies on real loop-mounted file systems: XFS (reflink) and btrfs clone and write only changed
 * chunks, ext4 hard-links unchanged files; with tracked changes and by comparing chunk digests. Each new copy
 * must equal its source, and the previous copy must stay exactly as it was, also after the new one is
 * written and after the previous one is deleted.
 */
class IncrementalCopyTest {

    private static final int MIB = 1 << 20;
    private static final long DISK = 64L * MIB;
    private static final String DISK_PATH = "Virtual Hard Disks/disk.vhdx";

    @TempDir
    Path tmp;

    static Stream<Arguments> fileSystemsAndTracking() {
        List<Arguments> cases = new ArrayList<>();
        for (LoopFileSystem.Type type : LoopFileSystem.Type.values()) {
            cases.add(Arguments.of(type, true));
            cases.add(Arguments.of(type, false));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}, tracked changes: {1}")
    @MethodSource("fileSystemsAndTracking")
    void aSecondCopySharesWhatIsUnchangedAndLeavesThePreviousCopyAsItWas(LoopFileSystem.Type type, boolean tracked)
            throws Exception {
        try (LoopFileSystem fs = LoopFileSystem.create(type, 768L * MIB)) {
            Path root = fs.mountPoint();
            Path vm = root.resolve("vm");
            Random random = new Random(type.ordinal() * 2L + (tracked ? 1 : 0));
            source(vm, random);
            Path point1 = root.resolve("point1");
            CopyResult first = copier().copy(vm, point1.resolve("files"), CopyListener.NONE, new CancellationSignal());
            Baseline baseline = baseline(point1, first, BlockClone.probe(root) ? Sharing.CLONE : Sharing.LINK, null);
            assertThat(baseline.sharing()).isEqualTo(type == LoopFileSystem.Type.EXT4 ? Sharing.LINK : Sharing.CLONE);
            Map<String, Object> before = inodes(point1.resolve("files"));

            List<ChangedRanges.Range> diskChanges = new ArrayList<>();
            long changedChunks = change(vm, random, diskChanges);
            Map<String, ChangedRanges> changes = null;
            if (tracked) {
                changes = new LinkedHashMap<>();
                diskChanges.add(new ChangedRanges.Range(Files.size(vm.resolve(DISK_PATH)) + 10L * MIB, MIB));
                changes.put(DISK_PATH, new ChangedRanges(diskChanges, Files.size(vm.resolve(DISK_PATH))));
                changes.put("unchanged.bin", new ChangedRanges(List.of(), Files.size(vm.resolve("unchanged.bin"))));
                changes.put("Virtual Machines/vm.xml", new ChangedRanges(List.of(), Files.size(vm.resolve("Virtual Machines/vm.xml"))));
                changes.put("new.txt", new ChangedRanges(List.of(new ChangedRanges.Range(0, 5)), 5));
                changes.put("shrinks.bin", new ChangedRanges(List.of(), MIB + 3));
            }
            Baseline second = new Baseline(baseline.root(), baseline.sharing(), baseline.files(), changes);
            Path point2 = root.resolve("point2");
            AtomicReference<CopyProgress> last = new AtomicReference<>();
            CopyListener listener = new CopyListener() {
                @Override
                public void onProgress(CopyProgress progress) {
                    last.set(progress);
                }
            };
            CopyResult result = copier().copy(vm, point2.resolve("files"), listener, new CancellationSignal(), second);

            assertThat(last.get().bytesDone()).as("progress over the whole logical size")
                    .isEqualTo(last.get().bytesTotal()).isEqualTo(result.bytesCopied());
            assertThat(last.get().filesDone()).isEqualTo(last.get().filesTotal()).isEqualTo(result.filesCopied());
            assertThat(inodes(point1.resolve("files"))).as("the previous copy's inodes").isEqualTo(before);
            assertSameContent(point1.resolve("files"), first);
            assertCopyOf(vm, point2.resolve("files"), result);
            assertThat(Files.isSymbolicLink(point2.resolve("files/becomes-link.txt"))).isTrue();
            assertThat(Files.getAttribute(point2.resolve("files/attr-only.txt"), "unix:mode")).isEqualTo(0100600);
            assertThat(Files.getAttribute(point1.resolve("files/attr-only.txt"), "unix:mode")).isEqualTo(0100644);
            long smallFiles = Files.size(vm.resolve("notes.txt")) + Files.size(vm.resolve("new.txt")) + 3;
            if (type == LoopFileSystem.Type.EXT4) {
                assertThat(result.notes()).isEmpty();
                for (String same : List.of("unchanged.bin", "Virtual Machines/vm.xml", "hard/a", "hard/b")) {
                    assertThat(Files.isSameFile(point1.resolve("files").resolve(same), point2.resolve("files").resolve(same)))
                            .as(same + " linked").isTrue();
                }
                for (String changed : List.of(DISK_PATH, "notes.txt", "attr-only.txt", "shrinks.bin")) {
                    assertThat(Files.isSameFile(point1.resolve("files").resolve(changed), point2.resolve("files").resolve(changed)))
                            .as(changed + " not linked").isFalse();
                }
                assertThat(result.bytesShared()).isGreaterThanOrEqualTo(3L * MIB);
            } else {
                assertThat(result.notes()).isEmpty();
                assertThat(result.bytesWritten()).as("only changed chunks written")
                        .isLessThanOrEqualTo(changedChunks * MIB + smallFiles);
                assertThat(result.bytesShared()).isGreaterThan(8L * MIB);
                assertThat(Files.isSameFile(point1.resolve("files/unchanged.bin"), point2.resolve("files/unchanged.bin")))
                        .as("a clone is a new inode").isFalse();
            }
            if (tracked && type != LoopFileSystem.Type.EXT4) {
                assertThat(result.bytesRead()).as("tracked: only changed chunks read")
                        .isLessThanOrEqualTo(changedChunks * MIB + smallFiles + Files.size(vm.resolve("attr-only.txt")) + 4096);
            }

            TestFiles.deleteTree(point1);
            assertCopyOf(vm, point2.resolve("files"), result);
        }
    }

    @Test
    void withoutCloningTheCloneBaselineCopiesWholeAndSaysWhy() throws Exception {
        try (LoopFileSystem fs = LoopFileSystem.create(LoopFileSystem.Type.EXT4, 256L * MIB)) {
            Path vm = fs.mountPoint().resolve("vm");
            source(vm, new Random(7));
            Path point1 = fs.mountPoint().resolve("point1");
            CopyResult first = copier().copy(vm, point1.resolve("files"), CopyListener.NONE, new CancellationSignal());
            change(vm, new Random(8), new ArrayList<>());

            CopyResult result = copier().copy(vm, fs.mountPoint().resolve("point2/files"), CopyListener.NONE,
                    new CancellationSignal(), baseline(point1, first, Sharing.CLONE, null));

            assertCopyOf(vm, fs.mountPoint().resolve("point2/files"), result);
            assertThat(result.notes()).isNotEmpty().allMatch(note -> note.contains("not cloned"));
            assertThat(result.bytesShared()).isZero();
        }
    }

    @Test
    void aFileTheBaselineKnowsButThePreviousPointLacksIsCopiedWhole() throws Exception {
        try (LoopFileSystem fs = LoopFileSystem.create(LoopFileSystem.Type.XFS, 512L * MIB)) {
            Path vm = fs.mountPoint().resolve("vm");
            source(vm, new Random(9));
            Path point1 = fs.mountPoint().resolve("point1");
            CopyResult first = copier().copy(vm, point1.resolve("files"), CopyListener.NONE, new CancellationSignal());
            Baseline baseline = baseline(point1, first, Sharing.CLONE, null);
            Files.delete(point1.resolve("files/unchanged.bin"));
            Files.delete(point1.resolve("files/notes.txt"));
            Files.writeString(point1.resolve("files/notes.txt"), "not what the manifest says");

            CopyResult result = copier().copy(vm, fs.mountPoint().resolve("point2/files"), CopyListener.NONE,
                    new CancellationSignal(), baseline);

            assertCopyOf(vm, fs.mountPoint().resolve("point2/files"), result);
        }
    }

    @Test
    void aCancelledIncrementalCopyStopsAndLeavesThePreviousCopyAsItWas() throws Exception {
        try (LoopFileSystem fs = LoopFileSystem.create(LoopFileSystem.Type.BTRFS, 512L * MIB)) {
            Path vm = fs.mountPoint().resolve("vm");
            source(vm, new Random(11));
            Path point1 = fs.mountPoint().resolve("point1");
            CopyResult first = copier().copy(vm, point1.resolve("files"), CopyListener.NONE, new CancellationSignal());
            Baseline baseline = baseline(point1, first, Sharing.CLONE, null);
            Map<String, Object> before = inodes(point1.resolve("files"));
            change(vm, new Random(12), new ArrayList<>());
            CancellationSignal cancel = new CancellationSignal();
            CopyListener cancelling = new CopyListener() {
                @Override
                public void onEntry(Path source, Path target) {
                    cancel.cancel("user asked");
                }
            };

            assertThatThrownBy(() -> new TreeCopier(new CopyOptions(0, true, 1)).copy(vm,
                    fs.mountPoint().resolve("point2/files"), cancelling, cancel, baseline))
                    .isInstanceOf(CancellationException.class).hasMessage("user asked");

            assertThat(inodes(point1.resolve("files"))).isEqualTo(before);
            assertSameContent(point1.resolve("files"), first);
        }
    }

    @Test
    void aTargetInsideThePreviousCopyIsRefused() throws Exception {
        Path vm = tmp.resolve("vm");
        source(vm, new Random(13));
        Path point1 = tmp.resolve("point1");
        CopyResult first = copier().copy(vm, point1.resolve("files"), CopyListener.NONE, new CancellationSignal());
        Baseline baseline = baseline(point1, first, Sharing.LINK, null);
        Files.createSymbolicLink(tmp.resolve("sneaky"), point1.resolve("files"));

        assertThatThrownBy(() -> copier().copy(vm, tmp.resolve("sneaky/inside"), CopyListener.NONE,
                new CancellationSignal(), baseline)).isInstanceOf(CopyException.class).hasMessageContaining("overlap");
        assertThat(point1.resolve("files/inside")).doesNotExist();
    }

    /**
     * Files just written have an atime no later than their mtime, which relatime moves on the first read: the
     * copier's reads must not, or the next run would find every source file's atime changed (no hard link),
     * and a verify would change the atime of inodes that committed points share.
     */
    @Test
    void readingForACopyOrAVerifyLeavesAccessTimesAlone() throws Exception {
        try (LoopFileSystem fs = LoopFileSystem.create(LoopFileSystem.Type.EXT4, 256L * MIB)) {
            Path vm = fs.mountPoint().resolve("vm");
            source(vm, new Random(14));
            Map<String, Object> sourceBefore = inodes(vm);
            Path copy = fs.mountPoint().resolve("point1/files");
            CopyResult copied = copier().copy(vm, copy, CopyListener.NONE, new CancellationSignal());
            Map<String, Object> copyBefore = inodes(copy);
            assertSameContent(copy, copied);

            assertThat(inodes(vm)).isEqualTo(sourceBefore);
            assertThat(inodes(copy)).isEqualTo(copyBefore);
            Files.readAllBytes(vm.resolve("notes.txt"));
            assertThat(inodes(vm)).as("a plain read does move it, so the test can fail").isNotEqualTo(sourceBefore);
        }
    }

    @Test
    void blockCloneProbeTellsFileSystemsThatShareBlocks() throws Exception {
        for (LoopFileSystem.Type type : LoopFileSystem.Type.values()) {
            try (LoopFileSystem fs = LoopFileSystem.create(type, 320L * MIB)) {
                assertThat(BlockClone.probe(fs.mountPoint())).as(type.toString()).isEqualTo(type != LoopFileSystem.Type.EXT4);
                try (Stream<Path> left = Files.list(fs.mountPoint())) {
                    assertThat(left.map(p -> p.getFileName().toString())).as("probe files removed")
                            .allMatch(name -> name.equals("lost+found"));
                }
            }
        }
        Path shm = Files.createTempDirectory(Path.of("/dev/shm"), "stillpoint-probe-");
        try {
            assertThat(Files.getFileStore(shm).type()).isEqualTo("tmpfs");
            assertThat(BlockClone.probe(shm)).isFalse();
        } finally {
            TestFiles.deleteTree(shm);
        }
    }

    private static TreeCopier copier() {
        return new TreeCopier(CopyOptions.defaults());
    }

    /** A small VM folder: a sparse 64 MiB disk with data at random offsets, small files, a hard-link pair, a link. */
    private static void source(Path vm, Random random) throws IOException {
        Path disk = vm.resolve(DISK_PATH);
        Files.createDirectories(disk.getParent());
        Files.createDirectories(vm.resolve("Virtual Machines"));
        Files.createDirectories(vm.resolve("hard"));
        Files.createFile(disk);
        for (int i = 0; i < 12; i++) {
            long offset = (long) (random.nextDouble() * (DISK - 2 * MIB));
            CopyFixtures.writeAt(disk, offset, CopyFixtures.random(64 * 1024 + random.nextInt(MIB), random.nextLong()));
        }
        try (var file = new java.io.RandomAccessFile(disk.toFile(), "rw")) {
            file.setLength(DISK);
        }
        Files.writeString(vm.resolve("Virtual Machines/vm.xml"), "<vm name='db01'/>");
        Files.writeString(vm.resolve("notes.txt"), "notes\n");
        Files.writeString(vm.resolve("attr-only.txt"), "only its mode changes");
        Files.writeString(vm.resolve("becomes-link.txt"), "replaced by a link");
        Files.write(vm.resolve("unchanged.bin"), CopyFixtures.random(3 * MIB + 17, random.nextLong()));
        Files.write(vm.resolve("shrinks.bin"), CopyFixtures.random(2 * MIB + 5, random.nextLong()));
        Files.writeString(vm.resolve("hard/a"), "two names");
        Files.createLink(vm.resolve("hard/b"), vm.resolve("hard/a"));
        Files.createSymbolicLink(vm.resolve("link"), Path.of("notes.txt"));
    }

    /** Changes the source; returns how many chunks of the disk hold new data, {@code ranges} receiving them. */
    private static long change(Path vm, Random random, List<ChangedRanges.Range> ranges) throws Exception {
        Path disk = vm.resolve(DISK_PATH);
        TreeSet<Long> chunks = new TreeSet<>();
        for (int i = 0; i < 5; i++) {
            long offset = (long) (random.nextDouble() * (DISK - MIB));
            int length = 1 + random.nextInt(64 * 1024);
            CopyFixtures.writeAt(disk, offset, CopyFixtures.random(length, random.nextLong()));
            ranges.add(new ChangedRanges.Range(offset, length));
            chunks.add(offset / MIB);
            chunks.add((offset + length - 1) / MIB);
        }
        long hole = 40L * MIB;
        CopyFixtures.sh("fallocate", "--punch-hole", "--offset", Long.toString(hole), "--length",
                Long.toString(2L * MIB), disk.toString());
        ranges.add(new ChangedRanges.Range(hole, 2L * MIB));
        long grown = DISK + 3L * MIB + 100;
        CopyFixtures.writeAt(disk, grown - 4096, CopyFixtures.random(4096, random.nextLong()));
        chunks.add((grown - 4096) / MIB);
        ranges.add(new ChangedRanges.Range(grown - 4096, 4096));
        Files.writeString(vm.resolve("notes.txt"), "notes\nmore notes\n");
        Files.setAttribute(vm.resolve("attr-only.txt"), "unix:mode", 0600);
        Files.delete(vm.resolve("becomes-link.txt"));
        Files.createSymbolicLink(vm.resolve("becomes-link.txt"), Path.of("notes.txt"));
        Files.writeString(vm.resolve("new.txt"), "fresh");
        try (var file = new java.io.RandomAccessFile(vm.resolve("shrinks.bin").toFile(), "rw")) {
            file.setLength(MIB + 3);
        }
        return chunks.size();
    }

    /** The baseline a run builds: manifest and chunk index of the point, read back, re-rooted at {@code files}. */
    private static Baseline baseline(Path point, CopyResult copied, Sharing sharing, Map<String, ChangedRanges> changes)
            throws IOException {
        List<ManifestEntry> entries = new ArrayList<>();
        copied.entries().forEach(e -> entries.add(ManifestEntry.of(RepositoryLayout.FILES + "/", e)));
        Manifest manifest = new Manifest(Manifest.FORMAT, UUID.randomUUID(), null, Instant.now(), "pause", "crash",
                "simulated", ContentDigest.ALGORITHM, Map.of(), copied.bytesCopied(), copied.filesCopied(), entries);
        Map<String, List<byte[]>> digests = new LinkedHashMap<>();
        copied.chunkDigests().forEach((path, chunks) -> digests.put(RepositoryLayout.FILES + "/" + path, chunks));
        ChunkIndex.write(point, digests);
        return new Baseline(point, sharing, ChunkIndex.read(point, manifest), changes).under(RepositoryLayout.FILES);
    }

    /** Mode, size, mtime and atime of every regular file, by path: what a shared inode must keep. */
    private static Map<String, Object> inodes(Path tree) throws IOException {
        Map<String, Object> inodes = new LinkedHashMap<>();
        try (Stream<Path> walk = Files.walk(tree)) {
            for (Path p : walk.sorted().toList()) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    inodes.put(tree.relativize(p).toString(), Files.readAttributes(p,
                            "unix:ino,mode,size,lastModifiedTime,lastAccessTime", LinkOption.NOFOLLOW_LINKS).toString());
                }
            }
        }
        return inodes;
    }

    private static void assertSameContent(Path copy, CopyResult result) throws IOException {
        for (CopiedEntry e : result.entries()) {
            if (e.type() == EntryType.FILE) {
                assertThat(FileDigests.of(copy.resolve(e.path()), new CancellationSignal())).as(e.path()).isEqualTo(e.sha256());
            }
        }
    }

    /** Every regular file byte-exact with the source, its recorded digest the file's, its chunk digests folding to it. */
    private static void assertCopyOf(Path source, Path copy, CopyResult result) throws IOException {
        int files = 0;
        for (CopiedEntry e : result.entries()) {
            if (e.type() != EntryType.FILE) {
                continue;
            }
            files++;
            Path copied = copy.resolve(e.path());
            assertThat(Files.mismatch(source.resolve(e.path()), copied)).as(e.path()).isEqualTo(-1L);
            assertThat(FileDigests.of(copied, new CancellationSignal())).as(e.path()).isEqualTo(e.sha256());
            assertThat(ContentDigest.fold(result.chunkDigests().get(e.path()))).as(e.path()).isEqualTo(e.sha256());
        }
        assertThat(files).isEqualTo(result.chunkDigests().size());
        try (Stream<Path> walk = Files.walk(source)) {
            assertThat(walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).count())
                    .isEqualTo(result.entries().stream().filter(e -> e.type() == EntryType.FILE || e.type() == EntryType.HARDLINK).count());
        }
    }
}
