package io.stillpoint.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.DosFileAttributeView;
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

    /** Deletes a tree bottom-up; a missing tree is not an error. */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                deleteFile(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                if (failure != null) {
                    throw failure;
                }
                makeWritable(dir);
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                makeWritable(dir);
                return FileVisitResult.CONTINUE;
            }
        });
        Path parent = root.toAbsolutePath().getParent();
        if (parent != null && Files.isDirectory(parent)) {
            syncDirectory(parent);
        }
    }

    // Windows refuses to delete a file with the read-only flag, which a restore point copied there keeps.
    private static void deleteFile(Path file) throws IOException {
        try {
            Files.delete(file);
        } catch (java.nio.file.AccessDeniedException e) {
            DosFileAttributeView dos = posix(file) ? null
                    : Files.getFileAttributeView(file, DosFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            if (dos == null || !dos.readAttributes().isReadOnly()) {
                throw e;
            }
            dos.setReadOnly(false);
            Files.delete(file);
        }
    }

    private static boolean posix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    // A restored tree may hold read-only directories; without write permission their entries cannot go.
    // Windows does not apply a directory's read-only flag to its entries.
    private static void makeWritable(Path dir) throws IOException {
        if (posix(dir) && !Files.isSymbolicLink(dir) && !Files.isWritable(dir)) {
            var permissions = Files.getPosixFilePermissions(dir);
            permissions.add(java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
            permissions.add(java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE);
            Files.setPosixFilePermissions(dir, permissions);
        }
    }
}
