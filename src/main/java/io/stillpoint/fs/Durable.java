package io.stillpoint.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * The one way Stillpoint makes a write durable. A file is written to a temporary name in its target
 * directory, forced, moved over the target atomically, and the directory is forced, so that after a
 * crash the target holds either the old or the new content, never a mix or nothing.
 */
public final class Durable {

    private Durable() {}

    public static void write(Path target, byte[] content) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                out.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
        syncDirectory(dir);
    }

    /**
     * Renames a directory atomically and forces the parent, making the rename itself durable: the
     * commit point of a restore point.
     */
    public static void rename(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(to.toAbsolutePath().getParent());
        if (!from.toAbsolutePath().getParent().equals(to.toAbsolutePath().getParent())) {
            syncDirectory(from.toAbsolutePath().getParent());
        }
    }

    /**
     * Forces a directory's entries (names created, renamed or removed in it) to disk. Only on a POSIX
     * system: Windows refuses to open a directory as a channel, and NTFS records name changes in its
     * metadata log rather than needing the directory flushed.
     */
    public static void syncDirectory(Path dir) throws IOException {
        if (!posix(dir)) {
            return;
        }
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** Creates a directory and its missing parents, each made durable in its own parent. */
    public static void createDirectories(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            return;
        }
        createDirectories(absolute.getParent());
        Files.createDirectory(absolute);
        syncDirectory(absolute.getParent());
    }

    private static boolean posix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
