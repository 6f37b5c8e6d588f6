package io.stillpoint.guestfiles;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How many file descriptors the server has open, and whether libguestfs may run a program now. libguestfs
 * waits for the programs it runs at launch (QEMU's probes, the overlay of each read-only disk) with
 * {@code select()}, and glibc aborts the whole process ({@code bit out of range 0 - FD_SETSIZE on fd_set})
 * as soon as one of their pipes gets a descriptor of 1024 or more. Linux hands out the lowest free
 * descriptor, so a launch stays below 1024 while the count leaves room for what it opens at once (a few
 * pipes and sockets) and for what other threads open meanwhile.
 */
final class OpenFiles {

    /** {@code FD_SETSIZE} of glibc: the first descriptor {@code select()} cannot take. */
    static final int FD_SETSIZE = 1024;

    /** Room kept below {@link #FD_SETSIZE} for a launch's own pipes and for connections accepted meanwhile. */
    static final int HEADROOM = 96;

    private static final Path OWN = Path.of("/proc/self/fd");

    private OpenFiles() {}

    /** The descriptors open in this process right now (the count's own listing included). */
    static int count() {
        int count = 0;
        try (DirectoryStream<Path> open = Files.newDirectoryStream(OWN)) {
            for (Path ignored : open) {
                count++;
            }
        } catch (IOException e) {
            throw new GuestFsException("the server cannot count its open files in " + OWN + " (" + e.getMessage()
                    + "), so it does not start libguestfs, which would abort the server past " + FD_SETSIZE, e);
        }
        return count;
    }

    /**
     * @throws TooManyOpenFilesException when a program libguestfs starts could get a descriptor libguestfs
     *     cannot wait on
     */
    static void checkRoomToLaunch() {
        int open = count();
        if (open > FD_SETSIZE - HEADROOM) {
            throw new TooManyOpenFilesException(open, FD_SETSIZE - HEADROOM);
        }
    }
}
