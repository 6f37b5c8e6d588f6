package io.stillpoint.copy;

import java.io.FileDescriptor;
import java.lang.reflect.Field;
import java.nio.channels.FileChannel;
import sun.misc.Unsafe;

/**
 * Sets {@code O_NOATIME} on a channel opened for reading, so that reading a file does not change its access
 * time. Two reasons: a committed restore point's inodes may be shared with other points (hard links), and
 * an atime update is a write to the inode, which Stillpoint never makes in a committed point (restores and
 * verifies read them); and a hard link to the previous point needs the source's atime to be what the previous
 * run recorded, which the previous run's own read would otherwise have moved (relatime moves it on the first
 * read after a write, and once a day after that).
 *
 * <p>The JDK offers no such open option and no public way to reach a channel's descriptor, so the descriptor
 * is read from the JDK's own fields through {@code Unsafe} (module jdk.unsupported, as {@link Unmapper}
 * does), and the flag set with {@code fcntl(F_SETFL)}, which Linux allows on an open file description. It is
 * best effort: where the fields are not found, or the kernel refuses the flag (only the file's owner or root
 * may set it), the channel reads as before.
 */
final class NoAtime {

    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int O_NOATIME = 01000000;

    private static final Unsafe UNSAFE = Unmapper.UNSAFE;
    private static final long CHANNEL_FD = offset("sun.nio.ch.FileChannelImpl", "fd");
    private static final long DESCRIPTOR_FD = offset(FileDescriptor.class.getName(), "fd");

    private NoAtime() {}

    /** Best effort; whether the flag is now set. */
    static boolean apply(FileChannel channel) {
        if (CHANNEL_FD < 0 || DESCRIPTOR_FD < 0 || !channel.getClass().getName().equals("sun.nio.ch.FileChannelImpl")) {
            return false;
        }
        Object descriptor = UNSAFE.getObject(channel, CHANNEL_FD);
        if (!(descriptor instanceof FileDescriptor) || !((FileDescriptor) descriptor).valid()) {
            return false;
        }
        int fd = UNSAFE.getInt(descriptor, DESCRIPTOR_FD);
        int flags = LibC.C.fcntl(fd, F_GETFL, 0);
        return flags >= 0 && ((flags & O_NOATIME) != 0 || LibC.C.fcntl(fd, F_SETFL, flags | O_NOATIME) == 0);
    }

    private static long offset(String className, String fieldName) {
        try {
            Field field = Class.forName(className).getDeclaredField(fieldName);
            return UNSAFE.objectFieldOffset(field);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return -1;
        }
    }
}
