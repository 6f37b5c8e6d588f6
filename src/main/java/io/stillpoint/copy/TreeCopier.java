package io.stillpoint.copy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Copies a directory tree with its attributes, keeping holes, and digests every file as it goes. */
public final class TreeCopier {

    private final CopyOptions options;

    public TreeCopier(CopyOptions options) {
        this.options = options;
    }

    public CopyResult copy(Path source, Path target, CopyListener listener, CancellationSignal cancel)
            throws IOException {
        long started = System.nanoTime();
        List<CopiedEntry> entries = new ArrayList<>();
        List<SkippedEntry> skipped = new ArrayList<>();
        long[] bytes = new long[1];
        long[] files = new long[1];
        Files.createDirectories(target);
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                cancel.throwIfCancelled();
                Path dst = target.resolve(source.relativize(dir).toString());
                Files.createDirectories(dst);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                cancel.throwIfCancelled();
                String rel = relative(source, file);
                Path dst = target.resolve(rel);
                PosixFileAttributes posix = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (attrs.isSymbolicLink()) {
                    Files.deleteIfExists(dst);
                    Path link = Files.readSymbolicLink(file);
                    Files.createSymbolicLink(dst, link);
                    entries.add(entry(rel, EntryType.SYMLINK, 0, null, link.toString(), posix));
                } else if (attrs.isRegularFile()) {
                    String digest = copyFile(file, dst, cancel);
                    applyAttributes(dst, posix);
                    entries.add(entry(rel, EntryType.FILE, attrs.size(), digest, null, posix));
                    bytes[0] += attrs.size();
                    files[0]++;
                } else {
                    SkippedEntry skip = new SkippedEntry(rel, "not a regular file, directory or symbolic link");
                    skipped.add(skip);
                    listener.onSkipped(skip);
                    return FileVisitResult.CONTINUE;
                }
                listener.onEntry(file, dst);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                if (failure != null) {
                    throw failure;
                }
                String rel = relative(source, dir);
                Path dst = rel.isEmpty() ? target : target.resolve(rel);
                PosixFileAttributes posix = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                PosixFileAttributeView view = Files.getFileAttributeView(dst, PosixFileAttributeView.class);
                view.setPermissions(posix.permissions());
                view.setTimes(posix.lastModifiedTime(), posix.lastAccessTime(), null);
                if (!rel.isEmpty()) {
                    entries.add(entry(rel, EntryType.DIRECTORY, 0, null, null, posix));
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return new CopyResult(entries, skipped, bytes[0], files[0], Duration.ofNanos(System.nanoTime() - started));
    }

    private String copyFile(Path file, Path dst, CancellationSignal cancel) throws IOException {
        ContentDigest digest = new ContentDigest();
        Files.deleteIfExists(dst);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
                FileChannel out = FileChannel.open(dst, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(ContentDigest.CHUNK);
            long position = 0;
            while (true) {
                cancel.throwIfCancelled();
                buffer.clear();
                int read = in.read(buffer, position);
                if (read < 0) {
                    break;
                }
                buffer.flip();
                digest.update(buffer.duplicate());
                out.write(buffer, position);
                position += read;
            }
            if (options.fsync()) {
                out.force(true);
            }
        }
        return digest.hex();
    }

    private static void applyAttributes(Path dst, PosixFileAttributes posix) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(dst, PosixFileAttributeView.class);
        try {
            view.setOwner(posix.owner());
            view.setGroup(posix.group());
        } catch (IOException notPermitted) {
            // Only root may give files away; an unprivileged copy keeps its own ownership, as cp -a does.
        }
        view.setPermissions(posix.permissions());
        view.setTimes(posix.lastModifiedTime(), posix.lastAccessTime(), null);
    }

    private static String relative(Path root, Path p) {
        return root.relativize(p).toString();
    }

    private static CopiedEntry entry(String rel, EntryType type, long size, String sha, String link, PosixFileAttributes a) {
        return new CopiedEntry(rel, type, size, sha, link, mode(a.permissions()), a.owner().getName(),
                a.group().getName(), a.lastModifiedTime().toInstant(), a.lastAccessTime().toInstant());
    }

    static int mode(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (PosixFilePermission p : permissions) {
            mode |= 1 << (8 - p.ordinal());
        }
        return mode;
    }
}
