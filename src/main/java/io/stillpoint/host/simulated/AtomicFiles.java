package io.stillpoint.host.simulated;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Durable replacement of a guest's metadata files. A snapshot view hard-links the guest's files, so a
 * file must never be rewritten in place: the view would change with it. Every write goes to a temp
 * file in the same directory, is forced, and replaces the target by an atomic rename (a new inode);
 * the directory is forced last so the rename itself survives a crash.
 */
final class AtomicFiles {

    static final String TEMP_SUFFIX = ".tmp";

    private AtomicFiles() {}

    static void write(Path target, byte[] content) throws IOException {
        Path temp = temp(target);
        // NOFOLLOW: a link put at the temp file's name would have the write land in its target.
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS)) {
            writeFully(out, ByteBuffer.wrap(content), 0);
            out.force(true);
        }
        replace(temp, target);
    }

    /** Writes a file of {@code length} bytes holding only {@code header}; the rest stays a hole. */
    static void writeSparse(Path target, long length, byte[] header) throws IOException {
        Path temp = temp(target);
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS)) {
            writeFully(out, ByteBuffer.wrap(header), 0);
            if (length > header.length) {
                writeFully(out, ByteBuffer.allocate(1), length - 1);
            }
            out.force(true);
        }
        replace(temp, target);
    }

    static void deleteDurably(Path file) throws IOException {
        if (Files.deleteIfExists(file)) {
            forceDirectory(file.getParent());
        }
    }

    static void forceDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    static void writeFully(FileChannel channel, ByteBuffer data, long position) throws IOException {
        long at = position;
        while (data.hasRemaining()) {
            at += channel.write(data, at);
        }
    }

    static void readFully(FileChannel channel, ByteBuffer into, long position) throws IOException {
        long at = position;
        while (into.hasRemaining()) {
            int n = channel.read(into, at);
            if (n < 0) {
                return;
            }
            at += n;
        }
    }

    private static Path temp(Path target) {
        return target.resolveSibling(target.getFileName() + TEMP_SUFFIX);
    }

    private static void replace(Path temp, Path target) throws IOException {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(target.getParent());
    }
}
