package io.stillpoint.fs;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.DosFileAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Deletes trees without ever following a link. On Linux every step is relative to an open directory
 * ({@link SecureDirectoryStream}: {@code openat} with {@code O_NOFOLLOW}, {@code unlinkat}), so a
 * directory swapped for a link while the delete runs makes it fail instead of deleting the link's
 * target. A link is removed as an entry; what it points to is never touched.
 *
 * <p>Callers prove first that what they delete is Stillpoint's ({@link OwnedFolder} does); this class
 * only guarantees that the delete stays inside the tree it was given.
 */
public final class NoFollowDelete {

    private NoFollowDelete() {}

    /** Deletes the entry {@code name} of {@code parent}, and its subtree if it is a directory. */
    public static void entry(Path parent, String name) throws IOException {
        below(parent, List.of(name));
    }

    /** Deletes a directory and everything under it; {@code dir}'s own last segment is not followed either. */
    static void folder(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        entry(absolute.getParent(), absolute.getFileName().toString());
    }

    static void below(Path root, List<String> segments) throws IOException {
        try (DirectoryStream<Path> top = Files.newDirectoryStream(root)) {
            if (top instanceof SecureDirectoryStream<Path> secure) {
                secureBelow(secure, segments, false);
            } else {
                walkBelow(root, segments, false);
            }
        } catch (NoSuchFileException gone) {
            return;
        }
        Durable.syncDirectory(root);
    }

    static boolean emptyDirectoryBelow(Path root, List<String> segments) throws IOException {
        try (DirectoryStream<Path> top = Files.newDirectoryStream(root)) {
            return top instanceof SecureDirectoryStream<Path> secure ? secureBelow(secure, segments, true)
                    : walkBelow(root, segments, true);
        } catch (NoSuchFileException gone) {
            return false;
        }
    }

    private static boolean secureBelow(SecureDirectoryStream<Path> dir, List<String> segments, boolean onlyIfEmpty)
            throws IOException {
        Path name = Path.of(segments.get(0));
        if (segments.size() > 1) {
            try (SecureDirectoryStream<Path> child = dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
                return secureBelow(child, segments.subList(1, segments.size()), onlyIfEmpty);
            } catch (NoSuchFileException gone) {
                return false;
            }
        }
        BasicFileAttributes attributes;
        try {
            attributes = dir.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .readAttributes();
        } catch (NoSuchFileException gone) {
            return false;
        }
        if (onlyIfEmpty) {
            if (!attributes.isDirectory()) {
                return false;
            }
            try (SecureDirectoryStream<Path> child = dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
                if (child.iterator().hasNext()) {
                    return false;
                }
            }
            dir.deleteDirectory(name);
            return true;
        }
        secureDelete(dir, name, attributes);
        return true;
    }

    private static void secureDelete(SecureDirectoryStream<Path> dir, Path name, BasicFileAttributes attributes)
            throws IOException {
        if (!attributes.isDirectory()) {
            dir.deleteFile(name);
            return;
        }
        makeWritable(dir, name);
        // O_NOFOLLOW: a directory replaced by a link since it was looked at fails here (ELOOP).
        try (SecureDirectoryStream<Path> child = dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
            List<Path> names = new ArrayList<>();
            child.forEach(entry -> names.add(entry.getFileName()));
            for (Path entry : names) {
                BasicFileAttributes entryAttributes;
                try {
                    entryAttributes = child.getFileAttributeView(entry, BasicFileAttributeView.class,
                            LinkOption.NOFOLLOW_LINKS).readAttributes();
                } catch (NoSuchFileException gone) {
                    continue;
                }
                secureDelete(child, entry, entryAttributes);
            }
        }
        dir.deleteDirectory(name);
    }

    // A restored tree may hold read-only directories, whose entries cannot be removed until the owner may
    // write there again. Root needs no such permission.
    private static void makeWritable(SecureDirectoryStream<Path> parent, Path name) throws IOException {
        PosixFileAttributeView view = parent.getFileAttributeView(name, PosixFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            return;
        }
        Set<PosixFilePermission> permissions = view.readAttributes().permissions();
        if (!permissions.contains(PosixFilePermission.OWNER_WRITE)
                || !permissions.contains(PosixFilePermission.OWNER_EXECUTE)) {
            permissions.add(PosixFilePermission.OWNER_WRITE);
            permissions.add(PosixFilePermission.OWNER_EXECUTE);
            view.setPermissions(permissions);
        }
    }

    /**
     * Where the platform has no {@code openat} (Windows): a walk that removes links, junctions and mount
     * points as entries instead of descending into them. Each entry is looked at without following it just
     * before it is removed or entered, so an exposed shadow copy mounted in a tree loses nothing.
     */
    static boolean walkBelow(Path root, List<String> segments, boolean onlyIfEmpty) throws IOException {
        Path target = root;
        for (String segment : segments) {
            Path next = target.resolve(segment);
            if (target != root && isLinkLike(target)) {
                throw new NotOwnedException(target, "is a link; Stillpoint does not delete through links");
            }
            target = next;
        }
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        if (onlyIfEmpty) {
            if (isLinkLike(target) || !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(target)) {
                if (entries.iterator().hasNext()) {
                    return false;
                }
            }
            Files.delete(target);
            return true;
        }
        walkDelete(target);
        return true;
    }

    private static void walkDelete(Path entry) throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException gone) {
            return;
        }
        // A junction or mount point is a directory that is also "other": removing it removes only the entry.
        if (attributes.isDirectory() && !attributes.isOther() && !attributes.isSymbolicLink()) {
            List<Path> children = new ArrayList<>();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(entry)) {
                entries.forEach(children::add);
            }
            for (Path child : children) {
                walkDelete(child);
            }
        }
        deleteClearingReadOnly(entry);
    }

    private static boolean isLinkLike(Path path) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        return attributes.isSymbolicLink() || attributes.isOther();
    }

    // Windows refuses to delete a file with the read-only flag, which a restore point copied there keeps.
    private static void deleteClearingReadOnly(Path file) throws IOException {
        try {
            Files.delete(file);
        } catch (AccessDeniedException e) {
            DosFileAttributeView dos = Files.getFileAttributeView(file, DosFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            if (dos == null || !dos.readAttributes().isReadOnly()) {
                throw e;
            }
            dos.setReadOnly(false);
            Files.delete(file);
        }
    }
}
