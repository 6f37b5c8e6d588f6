package io.stillpoint.copy;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Walks a file's data extents forward with {@code lseek(SEEK_DATA / SEEK_HOLE)}, one extent at a
 * time, so a VM image with millions of extents costs no memory. Where the file system cannot answer
 * (EINVAL), the whole file counts as data and only the zero-chunk check keeps holes.
 */
final class DataExtents implements AutoCloseable {

    private final Path path;
    private final long size;
    private final int fd;
    private long dataStart;
    private long dataEnd;

    /** Opens its own descriptor because the JDK does not expose the one behind a FileChannel. */
    DataExtents(Path path, long size) throws IOException {
        this.path = path;
        this.size = size;
        this.fd = LibC.C.open(LibC.path(path), LibC.O_RDONLY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
        if (fd < 0) {
            throw LibC.failure(path, "open", LibC.errno());
        }
        this.dataStart = -1;
        this.dataEnd = -1;
    }

    /** The start of the first data at or after {@code position}, or the file size when only holes remain. */
    long nextData(long position) throws IOException {
        if (position >= dataStart && position < dataEnd) {
            return position;
        }
        if (position < dataStart) {
            return dataStart;
        }
        if (position >= size) {
            return size;
        }
        long data = LibC.C.lseek(fd, position, LibC.SEEK_DATA);
        if (data < 0) {
            int errno = LibC.errno();
            if (errno == LibC.ENXIO) {
                dataStart = dataEnd = size;
                return size;
            }
            if (errno != LibC.EINVAL) {
                throw LibC.failure(path, "seek to data", errno);
            }
            data = position;
            dataEnd = size;
        } else {
            long hole = LibC.C.lseek(fd, data, LibC.SEEK_HOLE);
            if (hole < 0) {
                throw LibC.failure(path, "seek to hole", LibC.errno());
            }
            dataEnd = Math.min(hole, size);
        }
        dataStart = Math.min(data, size);
        return dataStart;
    }

    /** The end of the data extent that {@link #nextData} just returned. */
    long dataEnd() {
        return dataEnd;
    }

    @Override
    public void close() {
        LibC.C.close(fd);
    }
}
