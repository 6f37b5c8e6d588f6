package io.stillpoint.copy;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The few Linux calls the JDK does not offer: SEEK_DATA/SEEK_HOLE, early writeback, syncing a whole
 * file system, growing a file without writing, every xattr namespace (the JDK reaches only
 * {@code user.*}), {@code lchown} and nanosecond {@code utimensat} on links, reflink clones ({@code FICLONE}) and punching holes. Sizes are {@code long} because Stillpoint runs on 64-bit Linux only.
 *
 * <p>Paths are passed as NUL-terminated bytes in the JDK's own file-name encoding, so a name the JDK
 * listed reaches the kernel unchanged whatever JNA's string encoding is.
 */
final class LibC {

    interface Calls extends Library {
        int open(byte[] path, int flags, int mode);

        int close(int fd);

        long lseek(int fd, long offset, int whence);

        int truncate(byte[] path, long length);

        int sync_file_range(int fd, long offset, long nbytes, int flags);

        int syncfs(int fd);

        long llistxattr(byte[] path, byte[] list, long size);

        long lgetxattr(byte[] path, byte[] name, byte[] value, long size);

        int lsetxattr(byte[] path, byte[] name, byte[] value, long size, int flags);

        int lremovexattr(byte[] path, byte[] name);

        int lchown(byte[] path, int uid, int gid);

        int chmod(byte[] path, int mode);

        int utimensat(int dirfd, byte[] path, long[] times, int flags);

        int ioctl(int fd, long request, int argument);

        int fallocate(int fd, int mode, long offset, long length);

        int fcntl(int fd, int command, int argument);

        String strerror(int errno);
    }

    /**
     * Loaded when this class is first used, which only {@link PosixAttributes} and its helpers do, and
     * {@link FileDigests} on a system with the {@code unix} view: Windows has no {@code c} library to load.
     */
    static final Calls C = Native.load("c", Calls.class);

    static final int O_RDONLY = 0;
    static final int O_DIRECTORY = 0200000;
    static final int O_WRONLY = 1;
    static final int O_NOFOLLOW = 0400000;
    static final int O_CLOEXEC = 02000000;
    static final int SEEK_DATA = 3;
    static final int SEEK_HOLE = 4;
    static final int SYNC_FILE_RANGE_WRITE = 2;
    static final int AT_FDCWD = -100;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;

    /** {@code _IOW(0x94, 9, int)}: make the target share the source's blocks (reflink). */
    static final long FICLONE = 0x40049409L;
    static final int FALLOC_FL_KEEP_SIZE = 1;
    static final int FALLOC_FL_PUNCH_HOLE = 2;

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EACCES = 13;
    static final int EINVAL = 22;
    static final int ERANGE = 34;
    static final int ENODATA = 61;
    static final int ENXIO = 6;
    static final int EOPNOTSUPP = 95;
    static final int EXDEV = 18;
    static final int ENOTTY = 25;

    private static final Charset FILE_NAMES = Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));

    private LibC() {}

    static byte[] path(Path path) {
        return cString(path.toString());
    }

    static byte[] cString(String s) {
        byte[] bytes = s.getBytes(FILE_NAMES);
        return Arrays.copyOf(bytes, bytes.length + 1);
    }

    static String decode(byte[] bytes, int offset, int length) {
        return new String(bytes, offset, length, FILE_NAMES);
    }

    static int errno() {
        return Native.getLastError();
    }

    /** The exception the JDK itself would throw for this errno, so callers handle one vocabulary. */
    static IOException failure(Path path, String operation, int errno) {
        String reason = operation + ": " + C.strerror(errno);
        return switch (errno) {
            case ENOENT -> new NoSuchFileException(path.toString(), null, reason);
            case EACCES, EPERM -> new AccessDeniedException(path.toString(), null, reason);
            default -> new FileSystemException(path.toString(), null, reason);
        };
    }

    static void check(int rc, Path path, String operation) throws IOException {
        if (rc != 0) {
            throw failure(path, operation, errno());
        }
    }
}
