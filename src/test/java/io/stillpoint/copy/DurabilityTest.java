package io.stillpoint.copy;

import static io.stillpoint.copy.CopyFixtures.random;
import static io.stillpoint.copy.CopyFixtures.writeAt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The promise of {@link CopyOptions#fsync()}: when the copy returns, none of the content it wrote is
 * still only in the page cache. The copier no longer forces file by file but syncs the target file
 * system once at the end; the kernel's {@code cachestat} (Linux 6.5+) counts the dirty and
 * under-writeback pages of each copied file, which must all be zero. Directory entries and inodes are
 * journal metadata that {@code cachestat} cannot see; the same {@code syncfs} commits them.
 */
class DurabilityTest {

    static final int MiB = 1 << 20;
    static final long CACHESTAT_X86_64 = 451;
    static final int ENOSYS = 38;

    interface Kernel extends Library {
        Kernel C = Native.load("c", Kernel.class);

        int open(String path, int flags);

        int close(int fd);

        /** {@code cachestat(fd, &range, &stat, 0)}; glibc's syscall() passes the registers through. */
        int syscall(long number, int fd, long[] range, long[] stat, int flags);
    }

    @TempDir
    Path dir;

    @Test
    void nothingWrittenIsLeftDirtyWhenTheCopyReturns() throws Exception {
        nothingLeftDirty(new TreeCopier(CopyOptions.defaults()));
    }

    /** Windows' way: no syncfs, each file forced as it is finished. */
    @Test
    void nothingWrittenIsLeftDirtyByThePortableStrategy() throws Exception {
        nothingLeftDirty(new TreeCopier(CopyOptions.defaults(), AttributeStrategy::portable));
    }

    private void nothingLeftDirty(TreeCopier copier) throws Exception {
        assumeTrue("amd64".equals(System.getProperty("os.arch")), "cachestat's number is x86-64's");
        Path src = Files.createDirectory(dir.resolve("src"));
        Files.write(src.resolve("large.img"), random(40 * MiB + 5, 1));
        writeAt(src.resolve("sparse.img"), 64L * MiB, random(3 * MiB, 2));
        for (int i = 0; i < 200; i++) {
            Path sub = Files.createDirectories(src.resolve("d" + (i % 10)));
            Files.write(sub.resolve("f" + i), random(1 + i * 97, i));
        }
        Path dst = dir.resolve("dst");

        copier.copy(src, dst, CopyListener.NONE, new CancellationSignal());

        List<Path> copied;
        try (Stream<Path> walk = Files.walk(dst)) {
            copied = walk.filter(Files::isRegularFile).collect(Collectors.toList());
        }
        assertThat(copied).hasSize(202);
        for (Path file : copied) {
            long[] stat = cachestat(file);
            assertThat(stat[1]).as("dirty pages of %s", file).isZero();
            assertThat(stat[2]).as("pages of %s under writeback", file).isZero();
        }
    }

    /** {nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted} of the whole file. */
    private static long[] cachestat(Path file) throws IOException {
        int fd = Kernel.C.open(file.toString(), LibC.O_RDONLY);
        assertThat(fd).as("open %s", file).isNotNegative();
        try {
            long[] stat = new long[5];
            if (Kernel.C.syscall(CACHESTAT_X86_64, fd, new long[] {0, 0}, stat, 0) != 0) {
                int errno = Native.getLastError();
                assumeTrue(errno != ENOSYS, "the kernel has no cachestat (Linux 6.5+)");
                throw LibC.failure(file, "cachestat", errno);
            }
            return stat;
        } finally {
            Kernel.C.close(fd);
        }
    }
}
