package io.stillpoint.copy;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;

/**
 * Sets owner, extended attributes (ACLs included), mode and times on a copied entry, in the one order
 * that keeps them all: chown clears set-id bits and file capabilities, so it goes first; setting an
 * ACL rewrites the group mode bits, so chmod follows the xattrs; any change touches the times, so
 * they are set last.
 */
final class Metadata {

    interface Losses {
        void lost(String attribute, String reason);
    }

    private Metadata() {}

    static void apply(SourceTree.Entry source, Map<String, byte[]> xattrs, Path target, Losses losses)
            throws IOException {
        byte[] path = LibC.path(target);
        if (LibC.C.lchown(path, source.uid(), source.gid()) != 0) {
            int errno = LibC.errno();
            if (errno != LibC.EPERM) {
                throw LibC.failure(target, "set the owner", errno);
            }
            losses.lost("owner", "owner " + source.uid() + ":" + source.gid() + " not kept: "
                    + LibC.C.strerror(errno) + " (only root may give files away)");
        }
        Xattrs.apply(target, xattrs, losses);
        if (source.kind() != SourceTree.Kind.SYMLINK) {
            LibC.check(LibC.C.chmod(path, source.mode() & 07777), target, "set the permissions");
        }
        long[] times = {
            seconds(source.accessed()), nanos(source.accessed()), seconds(source.modified()), nanos(source.modified())
        };
        LibC.check(LibC.C.utimensat(LibC.AT_FDCWD, path, times, LibC.AT_SYMLINK_NOFOLLOW), target, "set the times");
    }

    private static long seconds(FileTime time) {
        return time.toInstant().getEpochSecond();
    }

    private static long nanos(FileTime time) {
        return time.toInstant().getNano();
    }
}
