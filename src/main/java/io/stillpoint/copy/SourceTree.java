package io.stillpoint.copy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The source tree as one {@code lstat} per entry, taken before anything is copied: it gives the
 * progress totals, the hard-link groups and each entry's times before reading them changes atimes.
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
            int nlink) {

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

    private static final String STAT = "unix:mode,ino,dev,nlink,uid,gid,size,lastModifiedTime,lastAccessTime";

    final Entry root;
    final List<Entry> entries;

    private final Map<Integer, String> owners = new HashMap<>();
    private final Map<Integer, String> groups = new HashMap<>();

    private SourceTree(Path root, CancellationSignal cancel) throws IOException {
        this.root = stat(root, "", true);
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
                    Entry entry = stat(child, root.relativize(child).toString(), false);
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

    static SourceTree scan(Path root, CancellationSignal cancel) throws IOException {
        return new SourceTree(root, cancel);
    }

    private Entry stat(Path path, String relative, boolean followLinks) throws IOException {
        try {
            Map<String, Object> a = followLinks
                    ? Files.readAttributes(path, STAT)
                    : Files.readAttributes(path, STAT, LinkOption.NOFOLLOW_LINKS);
            int uid = (Integer) a.get("uid");
            int gid = (Integer) a.get("gid");
            return new Entry(
                    relative,
                    path,
                    (Integer) a.get("mode"),
                    uid,
                    gid,
                    owners.computeIfAbsent(uid, u -> principal(path, "posix:owner")),
                    groups.computeIfAbsent(gid, g -> principal(path, "posix:group")),
                    (Long) a.get("size"),
                    (FileTime) a.get("lastModifiedTime"),
                    (FileTime) a.get("lastAccessTime"),
                    (Long) a.get("dev"),
                    (Long) a.get("ino"),
                    (Integer) a.get("nlink"));
        } catch (IOException e) {
            throw Failures.wrap(path, "cannot read the source's attributes", e);
        } catch (UncheckedIOException e) {
            throw Failures.wrap(path, "cannot read the source's owner", e.getCause());
        }
    }

    /** Names are looked up once per id: a passwd lookup per file would dominate a small-file tree. */
    private static String principal(Path path, String attribute) {
        try {
            Object p = Files.getAttribute(path, attribute, LinkOption.NOFOLLOW_LINKS);
            return p instanceof UserPrincipal u ? u.getName() : ((GroupPrincipal) p).getName();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
