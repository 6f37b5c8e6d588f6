package io.stillpoint.copy;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;

/**
 * The source tree as one look at each entry's attributes ({@code lstat} on Linux), taken before
 * anything is copied: it gives the progress totals, the hard-link groups and each entry's times before
 * reading them changes atimes.
 * Entries are sorted by path, so a parent always precedes its children.
 */
final class SourceTree {

    enum Kind { DIRECTORY, FILE, SYMLINK, SPECIAL }

    record Entry(
            String path,
            Path source,
            int mode,
            int uid,
            int gid,
            String owner,
            String group,
            long size,
            FileTime modified,
            FileTime accessed,
            long dev,
            long ino,
            int nlink,
            PortableAttributes.Kept portable) {

        Kind kind() {
            return switch (mode & S_IFMT) {
                case S_IFDIR -> Kind.DIRECTORY;
                case S_IFREG -> Kind.FILE;
                case S_IFLNK -> Kind.SYMLINK;
                default -> Kind.SPECIAL;
            };
        }

        String specialKind() {
            return switch (mode & S_IFMT) {
                case S_IFIFO -> "a named pipe (FIFO)";
                case S_IFSOCK -> "a socket";
                case S_IFCHR -> "a character device";
                case S_IFBLK -> "a block device";
                default -> "an unknown kind of file";
            };
        }
    }

    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final int S_IFLNK = 0120000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFIFO = 0010000;

    final Entry root;
    final List<Entry> entries;

    private SourceTree(Path root, AttributeStrategy attributes, CancellationSignal cancel) throws IOException {
        this.root = attributes.stat(root, "", true);
        if (this.root.kind() != Kind.DIRECTORY) {
            throw new CopyException(root, "the source is not a directory", null);
        }
        List<Entry> found = new ArrayList<>();
        Deque<Path> directories = new ArrayDeque<>();
        directories.push(root);
        while (!directories.isEmpty()) {
            cancel.throwIfCancelled();
            Path dir = directories.pop();
            try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
                for (Path child : children) {
                    Entry entry = attributes.stat(child, relative(root, child), false);
                    found.add(entry);
                    if (entry.kind() == Kind.DIRECTORY) {
                        directories.push(child);
                    }
                }
            } catch (IOException e) {
                throw Failures.wrap(dir, "cannot read the source directory", e);
            }
        }
        found.sort(Comparator.comparing(Entry::path));
        this.entries = List.copyOf(found);
    }

    static SourceTree scan(Path root, AttributeStrategy attributes, CancellationSignal cancel) throws IOException {
        return new SourceTree(root, attributes, cancel);
    }

    /** With {@code /} between names whatever the platform uses, as manifests and copy results promise. */
    private static String relative(Path root, Path child) {
        Path relative = root.relativize(child);
        String separator = relative.getFileSystem().getSeparator();
        return separator.equals("/") ? relative.toString() : relative.toString().replace(separator, "/");
    }
}
