package io.stillpoint.host.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stillpoint.testing.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Disks swapped one by one beside their own files: all of them, or none, also after an interruption. */
class DiskSwapTest {

    @TempDir
    Path dir;

    private final UUID restoreId = UUID.randomUUID();
    private Path staged;
    private Path images;
    private Path data;
    private final Map<String, Path> disks = new LinkedHashMap<>();

    @BeforeEach
    void twoDisksInTwoFolders() throws IOException {
        images = Files.createDirectories(dir.resolve("images"));
        data = Files.createDirectories(dir.resolve("data"));
        disks.put("vda", Files.writeString(images.resolve("web.qcow2"), "old vda"));
        disks.put("vdb", Files.writeString(data.resolve("web-data.raw"), "old vdb"));
        Files.writeString(images.resolve("other-domain.qcow2"), "someone else's");
        staged = Files.createDirectories(dir.resolve(".images.restore-" + restoreId));
        Files.writeString(Files.createDirectories(staged.resolve("vda")).resolve("web.qcow2"), "restored vda");
        Files.writeString(Files.createDirectories(staged.resolve("vdb")).resolve("web-data.raw"), "restored vdb");
    }

    @Test
    void everyDiskIsSwappedAndTheReplacedOnesGoOrAreKept() throws IOException {
        DiskSwap swap = new DiskSwap(staged, restoreId, disks);
        swap.swapIn();
        assertThat(swap.swapped()).as("every disk in place is recorded in the staged copy").isTrue();
        swap.finish(false, Instant.now());
        assertThat(disks.get("vda")).hasContent("restored vda");
        assertThat(disks.get("vdb")).hasContent("restored vdb");
        assertThat(names(images)).containsExactlyInAnyOrder("web.qcow2", "other-domain.qcow2");
        assertThat(names(data)).containsExactly("web-data.raw");

        TestFiles.deleteTree(staged);
        twoDisksInTwoFolders();
        DiskSwap keeping = new DiskSwap(staged, restoreId, disks);
        keeping.swapIn();
        keeping.finish(true, Instant.parse("2026-12-04T18:00:00Z"));
        assertThat(images.resolve("web.qcow2.before-restore-20261204T180000Z")).hasContent("old vda");
        assertThat(data.resolve("web-data.raw.before-restore-20261204T180000Z")).hasContent("old vdb");
    }

    @Test
    void aDiskThatCannotBeReplacedPutsBackTheOnesAlreadySwapped() throws IOException {
        Files.delete(disks.get("vdb"));
        Files.createSymbolicLink(disks.get("vdb"), images.resolve("other-domain.qcow2"));

        DiskSwap swap = new DiskSwap(staged, restoreId, disks);
        assertThatThrownBy(swap::swapIn).hasMessageContaining("not a file");
        assertThat(swap.swapped()).isFalse();

        assertThat(disks.get("vda")).hasContent("old vda");
        assertThat(images.resolve("other-domain.qcow2")).hasContent("someone else's");
        assertThat(names(images)).containsExactlyInAnyOrder("web.qcow2", "other-domain.qcow2");
        assertThat(staged.resolve("vda/web.qcow2")).as("the restored file is back in the staged copy, which goes")
                .hasContent("restored vda");
    }

    /** A crash after the first disk was swapped and before the second: the roll-back puts the first back. */
    @Test
    void anInterruptedSwapIsPutBack() throws IOException {
        Path vda = disks.get("vda");
        Files.move(staged.resolve("vda/web.qcow2"), images.resolve(".web.qcow2.restore-" + restoreId));
        Files.move(staged.resolve("vdb/web-data.raw"), data.resolve(".web-data.raw.restore-" + restoreId));
        Files.move(vda, images.resolve(".web.qcow2.before-restore-" + restoreId));
        Files.move(images.resolve(".web.qcow2.restore-" + restoreId), vda);

        String done = new DiskSwap(staged, restoreId, disks).rollBack();

        assertThat(done).contains(vda + " was put back");
        assertThat(vda).hasContent("old vda");
        assertThat(disks.get("vdb")).hasContent("old vdb");
        assertThat(names(images)).containsExactlyInAnyOrder("web.qcow2", "other-domain.qcow2");
        assertThat(names(data)).containsExactly("web-data.raw");
    }

    /**
     * A crash once every disk was in place, before the replaced ones went: a recovery must not put some back
     * (the domain would run on a mix of restored and replaced disks); it keeps the replaced ones in sight.
     */
    @Test
    void aSwapInterruptedAfterEveryDiskWasInPlaceKeepsTheRestoredDisksAndTheReplacedOnesInSight() throws IOException {
        new DiskSwap(staged, restoreId, disks).swapIn();

        DiskSwap afterTheCrash = new DiskSwap(staged, restoreId, disks);
        assertThat(afterTheCrash.swapped()).isTrue();
        List<Path> kept = afterTheCrash.keepAside(Instant.parse("2026-12-04T18:00:00Z"));

        assertThat(disks.get("vda")).hasContent("restored vda");
        assertThat(disks.get("vdb")).hasContent("restored vdb");
        assertThat(kept).containsExactly(images.resolve("web.qcow2.before-restore-20261204T180000Z"),
                data.resolve("web-data.raw.before-restore-20261204T180000Z"));
        assertThat(kept.get(0)).hasContent("old vda");
        assertThat(kept.get(1)).hasContent("old vdb");
        assertThat(names(images)).containsExactlyInAnyOrder("web.qcow2", "other-domain.qcow2",
                "web.qcow2.before-restore-20261204T180000Z");
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.map(p -> p.getFileName().toString()).toList();
        }
    }
}
