package io.stillpoint.copy;

import static org.assertj.core.api.Assertions.assertThat;

import io.stillpoint.writer.ChangedRanges;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Re-rooting a baseline for a subtree, and grafting a copied subtree's result into another. */
class BaselineTest {

    private static final PreviousFile A = file(1);
    private static final PreviousFile B = file(2);

    @Test
    void underKeepsOnlyTheSubtreeWithItsKeysReRooted() {
        ChangedRanges ranges = new ChangedRanges(List.of(new ChangedRanges.Range(0, 10)), 10);
        Baseline point = new Baseline(Path.of("/repo/vm/point"), Sharing.CLONE,
                Map.of("files/disk.vhdx", A, "files/sub/b", B, "filesystem.txt", A, "metadata/backup.cab", B),
                Map.of("files/disk.vhdx", ranges, "other/x", ranges));

        Baseline files = point.under("files");
        Baseline sub = files.under("sub/");

        assertThat(files.root()).isEqualTo(Path.of("/repo/vm/point/files"));
        assertThat(files.files()).containsOnlyKeys("disk.vhdx", "sub/b");
        assertThat(files.changes()).containsOnlyKeys("disk.vhdx");
        assertThat(files.sharing()).isEqualTo(Sharing.CLONE);
        assertThat(sub.root()).isEqualTo(Path.of("/repo/vm/point/files/sub"));
        assertThat(sub.files()).containsExactly(Map.entry("b", B));
        assertThat(new Baseline(Path.of("/p"), Sharing.LINK, Map.of("files/a", A), null).under("files").changes()).isNull();
    }

    @Test
    void graftNamesTheGraftedEntriesAndDigestsByTheirPlaceAndAddsTheCounters() {
        CopiedEntry disk = new CopiedEntry("disk.vhdx", EntryType.FILE, 1, "d", null, 0644, "root", "root",
                Instant.EPOCH, Instant.EPOCH, null, null, null);
        CopyResult into = new CopyResult(List.of(disk), List.of(), 1, 1, Duration.ofSeconds(1), 1, 1, 0,
                Map.of("disk.vhdx", A.chunkDigests()), List.of("a note"));
        CopyResult grafted = new CopyResult(List.of(disk.at("state.vsv")), List.of(), 5, 1, Duration.ofSeconds(2), 2, 3, 4,
                Map.of("state.vsv", B.chunkDigests()), List.of("another"));

        CopyResult all = into.graft("Snapshots", grafted);

        assertThat(all.entries()).extracting(CopiedEntry::path).containsExactly("disk.vhdx", "Snapshots/state.vsv");
        assertThat(all.chunkDigests()).containsOnlyKeys("disk.vhdx", "Snapshots/state.vsv");
        assertThat(all.chunkDigests().get("Snapshots/state.vsv")).isSameAs(B.chunkDigests());
        assertThat(List.of(all.bytesCopied(), all.filesCopied(), all.bytesRead(), all.bytesWritten(), all.bytesShared()))
                .containsExactly(6L, 2L, 3L, 4L, 4L);
        assertThat(all.elapsed()).isEqualTo(Duration.ofSeconds(3));
        assertThat(all.notes()).containsExactly("a note", "another");
    }

    private static PreviousFile file(int content) {
        List<byte[]> digests = List.of(ContentDigest.chunkDigest(ByteBuffer.wrap(new byte[] {(byte) content})));
        return new PreviousFile(1, ContentDigest.fold(digests), digests, 0644, "root", "root", Instant.EPOCH);
    }
}
