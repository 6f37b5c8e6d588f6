package io.stillpoint.writer.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.writer.ChangedRanges;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bitmaps stored in real qcow2 files by qemu-io, which records writes in the file's enabled bitmaps as QEMU
 * does and stores them when it closes the file: the ranges read must turn a copy taken when the bitmap
 * started into the file as it is, byte for byte.
 */
class StoredBitmapsTest {

    private static final long MIB = 1L << 20;

    @TempDir
    Path dir;

    private final StoredBitmaps bitmaps = new StoredBitmaps(
            new TrustedExecutables(List.of("/usr/bin/qemu-img"), "qemu-img"),
            new TrustedExecutables(List.of("/usr/bin/qemu-nbd"), "qemu-nbd"));

    @Test
    void theChangedRangesTurnTheCopyAtTheBitmapsStartIntoTheFile() throws IOException {
        // A comma in the name, which QEMU's option syntax would otherwise split on.
        Path disk = dir.resolve("web,01.qcow2");
        run("qemu-img", "create", "-q", "-f", "qcow2", disk.toString(), Long.toString(64 * MIB));
        io(disk, "write -P 0x11 0 16M", "write -P 0x12 40M 2M");
        run("qemu-img", "bitmap", "--add", disk.toString(), "stillpoint-a");
        Path copy = Files.copy(disk, dir.resolve("copy.qcow2"));
        io(disk, "write -P 0x21 4M 64k", "write -P 0x22 50M 1M", "write -P 0x23 15M 2M");

        assertThat(bitmaps.unreadable(disk, "stillpoint-a")).isEmpty();
        ChangedRanges changed = bitmaps.changed(disk, "stillpoint-a", dir.resolve("work"));

        assertThat(changed.length()).isEqualTo(Files.size(disk));
        assertThat(changed.bytes()).as("the written clusters and the metadata, not the whole file")
                .isBetween(64 * 1024 + 3 * MIB, 8 * MIB);
        patch(copy, disk, changed);
        assertThat(Files.mismatch(copy, disk)).isEqualTo(-1L);
        assertThat(Files.list(dir.resolve("work"))).as("the NBD socket is gone").isEmpty();
    }

    @Test
    void aMissingBitmapOrOneInUseIsUnreadable() throws Exception {
        Path disk = dir.resolve("disk.qcow2");
        run("qemu-img", "create", "-q", "-f", "qcow2", disk.toString(), Long.toString(8 * MIB));
        run("qemu-img", "bitmap", "--add", disk.toString(), "stillpoint-b");
        assertThat(bitmaps.unreadable(disk, "stillpoint-c")).hasValueSatisfying(
                reason -> assertThat(reason).contains("stillpoint-c is not in disk.qcow2"));

        // A writer that has the file open: its bitmaps are loaded, and flagged in use in the file.
        Path socket = dir.resolve("rw.sock");
        Process writer = new ProcessBuilder("/usr/bin/qemu-nbd", "--persistent", "--socket=" + socket, "-f", "qcow2",
                disk.toString()).redirectErrorStream(true).start();
        try {
            Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
            while (!Files.exists(socket) && Instant.now().isBefore(deadline)) {
                Thread.sleep(10);
            }
            assertThat(bitmaps.unreadable(disk, "stillpoint-b")).hasValueSatisfying(
                    reason -> assertThat(reason).contains("in use"));
        } finally {
            writer.destroy();
            writer.waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(bitmaps.unreadable(disk, "stillpoint-b")).as("stored again when the writer closed it").isEmpty();
    }

    private static void patch(Path copy, Path disk, ChangedRanges changed) throws IOException {
        try (FileChannel from = FileChannel.open(disk); FileChannel to = FileChannel.open(copy,
                StandardOpenOption.WRITE)) {
            for (ChangedRanges.Range range : changed.ranges()) {
                ByteBuffer bytes = ByteBuffer.allocate((int) range.length());
                while (bytes.hasRemaining() && from.read(bytes, range.offset() + bytes.position()) > 0) {
                    continue;
                }
                to.write(bytes.flip(), range.offset());
            }
            if (to.size() < changed.length()) {
                ByteBuffer tail = ByteBuffer.allocate((int) (changed.length() - to.size()));
                from.read(tail, to.size());
                to.write(tail.flip(), to.size());
            }
            to.truncate(changed.length());
        }
    }

    private static void io(Path disk, String... commands) throws IOException {
        List<String> argv = new java.util.ArrayList<>(List.of("qemu-io", "-f", "qcow2"));
        for (String command : commands) {
            argv.add("-c");
            argv.add(command);
        }
        argv.add(disk.toString());
        run(argv.toArray(String[]::new));
    }

    private static void run(String... argv) throws IOException {
        Processes.run(List.of(argv), 60);
    }
}
