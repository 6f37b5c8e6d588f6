package io.stillpoint.copy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/** Reflink clones: whether a file system can share blocks between files, and cloning one file into another. */
public final class BlockClone {

    private BlockClone() {}

    /**
     * Whether files in {@code directory} can share blocks: tries {@code FICLONE} between two files it
     * creates there (generated names, {@code O_EXCL}) and removes them again, also when the try fails.
     * False without asking on a file store without POSIX attributes (Windows), where there is no libc.
     */
    public static boolean probe(Path directory) throws IOException {
        if (!Files.getFileStore(directory).supportsFileAttributeView("unix")) {
            return false;
        }
        String name = ".stillpoint-clone-probe-" + UUID.randomUUID();
        Path source = directory.resolve(name + ".a");
        Path target = directory.resolve(name + ".b");
        try {
            try (FileChannel out = FileChannel.open(source, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                out.write(ByteBuffer.wrap(new byte[64 * 1024]));
            }
            Files.newByteChannel(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
            return clone(source, target) == 0;
        } finally {
            Files.deleteIfExists(target);
            Files.deleteIfExists(source);
        }
    }

    /**
     * Makes the existing, empty {@code target} share all of {@code source}'s blocks, as a new inode of the
     * same content. {@code source} is opened read-only and never written; neither path's last element is
     * followed if it is a link.
     *
     * @return 0, or the errno saying the file system cannot clone these two (EXDEV: not the same file system;
     *     EOPNOTSUPP, ENOTTY, EINVAL: it cannot clone at all or not these files)
     * @throws IOException for any other failure
     */
    static int clone(Path source, Path target) throws IOException {
        int in = LibC.C.open(LibC.path(source), LibC.O_RDONLY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
        if (in < 0) {
            throw LibC.failure(source, "open for cloning", LibC.errno());
        }
        try {
            int out = LibC.C.open(LibC.path(target), LibC.O_WRONLY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
            if (out < 0) {
                throw LibC.failure(target, "open for cloning", LibC.errno());
            }
            try {
                if (LibC.C.ioctl(out, LibC.FICLONE, in) == 0) {
                    return 0;
                }
                int errno = LibC.errno();
                if (errno == LibC.EXDEV || errno == LibC.EOPNOTSUPP || errno == LibC.ENOTTY || errno == LibC.EINVAL) {
                    return errno;
                }
                throw LibC.failure(target, "clone " + source, errno);
            } finally {
                LibC.C.close(out);
            }
        } finally {
            LibC.C.close(in);
        }
    }

    /** Frees {@code [offset, offset + length)} of {@code target}, which then reads as zeros; the size stays. */
    static void punchHole(Path target, long offset, long length) throws IOException {
        int fd = LibC.C.open(LibC.path(target), LibC.O_WRONLY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
        if (fd < 0) {
            throw LibC.failure(target, "open to punch a hole", LibC.errno());
        }
        try {
            if (LibC.C.fallocate(fd, LibC.FALLOC_FL_PUNCH_HOLE | LibC.FALLOC_FL_KEEP_SIZE, offset, length) != 0) {
                throw LibC.failure(target, "punch a hole at " + offset, LibC.errno());
            }
        } finally {
            LibC.C.close(fd);
        }
    }

    static String reason(int errno) {
        return LibC.C.strerror(errno);
    }
}
