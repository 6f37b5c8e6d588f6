package io.stillpoint.repository;

import static org.assertj.core.api.Assertions.assertThat;

import io.stillpoint.copy.CancellationSignal;
import io.stillpoint.copy.ContentDigest;
import io.stillpoint.copy.CopiedEntry;
import io.stillpoint.copy.CopyListener;
import io.stillpoint.copy.CopyOptions;
import io.stillpoint.copy.CopyResult;
import io.stillpoint.copy.EntryType;
import io.stillpoint.copy.FileDigests;
import io.stillpoint.copy.PreviousFile;
import io.stillpoint.copy.TreeCopier;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chunk digests from a real copy, through the index file and back, trusted only where they fold to the manifest. */
class ChunkIndexTest {

    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void theCopiersChunkDigestsRoundTripAndFoldToTheManifestChecksums() throws IOException {
        Path source = Files.createDirectories(dir.resolve("vm/Virtual Hard Disks"));
        Path disk = source.resolve("a.vhdx");
        try (RandomAccessFile file = new RandomAccessFile(disk.toFile(), "rw")) {
            file.setLength(512L * MIB + 12345);
            byte[] data = new byte[3 * MIB + 7];
            new Random(1).nextBytes(data);
            file.seek(100L * MIB + 5);
            file.write(data);
            file.seek(512L * MIB);
            file.write(data, 0, 12345);
        }
        Files.writeString(source.resolve("small.txt"), "a few bytes");
        Files.createFile(source.resolve("empty"));
        Path point = Files.createDirectories(dir.resolve("point"));

        CopyResult copied = new TreeCopier(CopyOptions.defaults())
                .copy(dir.resolve("vm"), point.resolve(RepositoryLayout.FILES), CopyListener.NONE, new CancellationSignal());
        Manifest manifest = manifest(copied);
        Map<String, List<byte[]>> digests = new LinkedHashMap<>();
        copied.chunkDigests().forEach((path, chunks) -> digests.put(RepositoryLayout.FILES + "/" + path, chunks));
        ChunkIndex.write(point, digests);

        Map<String, PreviousFile> read = ChunkIndex.read(point, manifest);

        assertThat(read).containsOnlyKeys("files/Virtual Hard Disks/a.vhdx", "files/Virtual Hard Disks/small.txt",
                "files/Virtual Hard Disks/empty");
        PreviousFile previous = read.get("files/Virtual Hard Disks/a.vhdx");
        assertThat(previous.chunkDigests()).hasSize(513);
        assertThat(previous.sha256()).isEqualTo(FileDigests.of(disk, new CancellationSignal()));
        assertThat(ContentDigest.fold(previous.chunkDigests())).isEqualTo(previous.sha256());
        assertThat(previous.chunkDigests().stream().filter(d -> !ContentDigest.isZeroChunk(d))).hasSize(5);
        assertThat(previous.mode()).isEqualTo(Files.getAttribute(disk, "unix:mode") instanceof Integer m ? m & 07777 : -1);
        assertThat(previous.modified()).isEqualTo(Files.getLastModifiedTime(disk).toInstant());
        assertThat(read.get("files/Virtual Hard Disks/empty").chunkDigests()).isEmpty();
        assertThat(Files.size(point.resolve(ChunkIndex.FILE))).as("zero chunks stored as runs, not 513 digests").isLessThan(1024);
        assertThat(RestorePointVerifier.problems(point, manifest, new CancellationSignal())).isEmpty();
        long data = 3L * MIB + 7 + 12345 + "a few bytes".length();
        assertThat(copied.bytesRead()).as("data only, rounded to the file system's blocks").isBetween(data, data + 3 * 4096);
        assertThat(copied.bytesWritten()).isEqualTo(copied.bytesRead());
    }

    @Test
    void digestsThatDoNotFoldToTheManifestAreNotUsed() throws IOException {
        byte[] one = ContentDigest.zeroChunkDigest();
        byte[] other = ContentDigest.chunkDigest(java.nio.ByteBuffer.wrap(new byte[] {1}));
        ChunkIndex.write(dir, Map.of("files/a", List.of(one), "files/b", List.of(other)));
        Manifest manifest = manifest(List.of(
                entry("files/a", MIB, ContentDigest.fold(List.of(one))),
                entry("files/b", 1, ContentDigest.fold(List.of(one))),
                entry("files/c", 1, ContentDigest.fold(List.of(other)))));

        assertThat(ChunkIndex.read(dir, manifest)).containsOnlyKeys("files/a");
    }

    @Test
    void aMissingOrDamagedIndexReadsAsEmpty() throws IOException {
        byte[] digest = ContentDigest.chunkDigest(java.nio.ByteBuffer.wrap(new byte[] {1}));
        Manifest manifest = manifest(List.of(entry("files/a", 1, ContentDigest.fold(List.of(digest)))));
        assertThat(ChunkIndex.read(dir, manifest)).isEmpty();

        ChunkIndex.write(dir, Map.of("files/a", List.of(digest)));
        assertThat(ChunkIndex.read(dir, manifest)).containsOnlyKeys("files/a");
        byte[] bytes = Files.readAllBytes(dir.resolve(ChunkIndex.FILE));
        bytes[bytes.length / 2] ^= 1;
        Files.write(dir.resolve(ChunkIndex.FILE), bytes);
        assertThat(ChunkIndex.read(dir, manifest)).isEmpty();
        Files.write(dir.resolve(ChunkIndex.FILE), java.util.Arrays.copyOf(bytes, bytes.length - 40));
        assertThat(ChunkIndex.read(dir, manifest)).isEmpty();
    }

    private static ManifestEntry entry(String path, long size, String sha256) {
        return new ManifestEntry(path, EntryType.FILE, size, sha256, null, "0644", "root", "root", Instant.EPOCH,
                Instant.EPOCH, null, null, null);
    }

    private static Manifest manifest(CopyResult copied) {
        List<ManifestEntry> entries = new ArrayList<>();
        for (CopiedEntry e : copied.entries()) {
            entries.add(ManifestEntry.of(RepositoryLayout.FILES + "/", e));
        }
        return manifest(entries);
    }

    private static Manifest manifest(List<ManifestEntry> entries) {
        return new Manifest(Manifest.FORMAT, UUID.randomUUID(), null, Instant.now(), "pause", "crash", "simulated",
                ContentDigest.ALGORITHM, Map.of(), 0, entries.size(), entries);
    }
}
