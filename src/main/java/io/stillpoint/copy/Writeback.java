package io.stillpoint.copy;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Starts writeback of a large file while it is still being copied ({@code sync_file_range} with
 * {@code SYNC_FILE_RANGE_WRITE}, which does not wait). Without it the dirty pages of a multi-GiB file
 * pile up in the page cache and the final {@code syncfs} writes them all at once, after the copy,
 * instead of overlapping the disk's work with the reading and hashing.
 */
final class Writeback implements AutoCloseable {

    static final long STEP = 16L << 20;

    private final int fd;
    private long started;

    /** Opens its own descriptor because the JDK does not expose the one behind a FileChannel. */
    Writeback(Path target) throws IOException {
        this.fd = LibC.C.open(LibC.path(target), LibC.O_WRONLY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
        if (fd < 0) {
            throw LibC.failure(target, "open", LibC.errno());
        }
    }

    /** Called with the end of the data written so far; kicks writeback every {@link #STEP} bytes. */
    void written(long end) {
        if (end - started >= STEP) {
            // Only a hint: if the kernel declines, the final syncfs still writes everything.
            LibC.C.sync_file_range(fd, started, end - started, LibC.SYNC_FILE_RANGE_WRITE);
            started = end;
        }
    }

    @Override
    public void close() {
        LibC.C.close(fd);
    }
}
