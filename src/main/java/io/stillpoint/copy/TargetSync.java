package io.stillpoint.copy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Makes a finished copy durable with one {@code syncfs} per target file system, in place of an
 * {@code fsync} per file and per directory.
 *
 * <p>Why: on ext4 every {@code fsync} of a new file commits the journal and flushes the disk's cache,
 * and those commits are serialised; a VM folder with thousands of small files paid one commit each.
 * {@code syncfs} writes back every dirty page and inode of the file system, then commits and flushes
 * once, so after it returns each file and directory the copy wrote is on disk — the same promise, paid
 * once. It may also write other processes' dirty data on that file system, which a later {@code sync}
 * would have written anyway.
 *
 * <p>Errors: since Linux 5.8, {@code syncfs} reports a writeback error that happened on the file system
 * after the descriptor was opened, so each descriptor is opened before the copy writes into that file
 * system. A target directory kept from an earlier copy may be a mount point; every file system the
 * copy writes into is registered through {@link #add}.
 */
final class TargetSync implements AttributeStrategy.Durability {

    private final Map<Object, Integer> descriptors = new LinkedHashMap<>();
    private final Map<Object, Path> directories = new LinkedHashMap<>();

    /** Registers the file system holding {@code directory}, unless it is registered already. */
    @Override
    public void add(Path directory) throws IOException {
        Object device = Files.getAttribute(directory, "unix:dev", LinkOption.NOFOLLOW_LINKS);
        if (descriptors.containsKey(device)) {
            return;
        }
        int fd = LibC.C.open(LibC.path(directory),
                LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
        if (fd < 0) {
            throw LibC.failure(directory, "open", LibC.errno());
        }
        descriptors.put(device, fd);
        directories.put(device, directory);
    }

    /** Nothing per file: the one {@code syncfs} in {@link #sync} covers every file. */
    @Override
    public void written(FileChannel out) {}

    /** Returns once everything written to the registered file systems is on disk. */
    @Override
    public void sync() throws IOException {
        for (Map.Entry<Object, Integer> e : descriptors.entrySet()) {
            if (LibC.C.syncfs(e.getValue()) != 0) {
                throw LibC.failure(directories.get(e.getKey()), "write the copy to disk", LibC.errno());
            }
        }
    }

    @Override
    public void close() {
        for (int fd : descriptors.values()) {
            LibC.C.close(fd);
        }
        descriptors.clear();
    }
}
