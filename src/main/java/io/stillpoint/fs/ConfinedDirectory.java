package io.stillpoint.fs;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.Optional;

/**
 * A directory reached from a trusted root one segment at a time, each missing segment created and each
 * opened without following links ({@code openat} with {@code O_NOFOLLOW}, through {@link
 * SecureDirectoryStream}), and kept open: entries are then looked at and renamed relative to the directory
 * that was checked, not to whatever its path names by then. So a link planted along the way, before or
 * while the directory is being reached, makes the walk fail instead of leading it out of the root.
 *
 * <p>Java cannot create a directory relative to an open one, so {@link #createDirectory} creates it by
 * path and then confirms, through the open directory, that the new directory is there. Code that can only
 * work by path (a tree copy) checks with {@link #confirm} afterwards that its path still led here.
 *
 * <p>Where the platform has no {@code openat} (Windows), each segment is checked with {@code lstat}
 * before it is descended into, and renames go by path.
 */
public final class ConfinedDirectory implements AutoCloseable {

    private final Path path;
    private final SecureDirectoryStream<Path> handle;

    private ConfinedDirectory(Path path, SecureDirectoryStream<Path> handle) {
        this.path = path;
        this.handle = handle;
    }

    /**
     * Opens {@code root}'s descendant {@code relative}, creating missing directories along the way.
     *
     * @param root a directory the caller trusts (configured by an admin), taken by its real path
     * @param relative plain segments, no {@code ..}; empty for the root itself
     * @throws UnsafePathException when a segment is a link or not a directory
     */
    public static ConfinedDirectory open(Path root, Path relative) throws IOException {
        Path real = root.toRealPath();
        if (relative.isAbsolute()) {
            throw new IllegalArgumentException(relative + " is not relative");
        }
        DirectoryStream<Path> top = Files.newDirectoryStream(real);
        if (!(top instanceof SecureDirectoryStream<Path> secure)) {
            top.close();
            return new ConfinedDirectory(walkByPath(real, relative), null);
        }
        Path reached = real;
        SecureDirectoryStream<Path> current = secure;
        try {
            for (Path segment : segments(relative)) {
                String name = segment.toString();
                if (name.isEmpty() || name.equals(".") || name.equals("..")) {
                    throw new UnsafePathException("must not contain '" + name + "'");
                }
                if (attributes(current, name).isEmpty()) {
                    createDirectoryAt(current, reached, name);
                }
                SecureDirectoryStream<Path> next = descend(current, reached.resolve(name), name);
                current.close();
                current = next;
                reached = reached.resolve(name);
            }
            return new ConfinedDirectory(reached, current);
        } catch (IOException | RuntimeException e) {
            current.close();
            throw e;
        }
    }

    /** The path this directory was reached by: for work that can only be done by path. */
    public Path path() {
        return path;
    }

    public Path resolve(String name) {
        return path.resolve(name);
    }

    /** The entry {@code name} as it is, a link not followed; empty when there is none. */
    public Optional<BasicFileAttributes> entry(String name) throws IOException {
        if (handle == null) {
            try {
                return Optional.of(Files.readAttributes(path.resolve(name), BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS));
            } catch (NoSuchFileException e) {
                return Optional.empty();
            }
        }
        return attributes(handle, name);
    }

    /**
     * Creates the directory {@code name} here; it must not exist yet.
     *
     * @return its file key, by which later steps recognise it
     */
    public Object createDirectory(String name) throws IOException {
        if (handle == null) {
            Files.createDirectory(path.resolve(name));
            return entry(name).orElseThrow().fileKey();
        }
        return createDirectoryAt(handle, path, name);
    }

    /**
     * Confirms that {@code name} is still the directory identified by {@code fileKey}, reached both through
     * this open directory and by its path, so that what was written by path went into it.
     *
     * @throws UnsafePathException when either way leads elsewhere
     */
    public void confirm(String name, Object fileKey) throws IOException {
        BasicFileAttributes here = entry(name).orElseThrow(() -> new UnsafePathException(
                "lost its folder " + path.resolve(name) + " while Stillpoint was writing it"));
        Object byPath;
        try {
            byPath = Files.readAttributes(path.resolve(name), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .fileKey();
        } catch (NoSuchFileException e) {
            byPath = null;
        }
        if (!here.isDirectory() || !Objects.equals(here.fileKey(), fileKey) || !Objects.equals(byPath, fileKey)) {
            throw new UnsafePathException("led elsewhere than " + path.resolve(name) + " while Stillpoint was writing it");
        }
    }

    /** Renames the entry {@code from} to {@code to} within this directory, atomically, and makes it durable. */
    public void rename(String from, String to) throws IOException {
        if (handle == null) {
            Files.move(path.resolve(from), path.resolve(to), StandardCopyOption.ATOMIC_MOVE);
        } else {
            handle.move(Path.of(from), handle, Path.of(to));
        }
        Durable.syncDirectory(path);
    }

    @Override
    public void close() throws IOException {
        if (handle != null) {
            handle.close();
        }
    }

    private static Optional<BasicFileAttributes> attributes(SecureDirectoryStream<Path> dir, String name)
            throws IOException {
        try {
            return Optional.of(dir.getFileAttributeView(Path.of(name), BasicFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS).readAttributes());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private static Object createDirectoryAt(SecureDirectoryStream<Path> dir, Path dirPath, String name)
            throws IOException {
        Path created = dirPath.resolve(name);
        Files.createDirectory(created);
        // The path may have led elsewhere by now; only what the open directory holds counts.
        BasicFileAttributes made = attributes(dir, name).orElseThrow(() -> new UnsafePathException(
                "changed while Stillpoint created " + created + ": a link led elsewhere"));
        if (!made.isDirectory()) {
            throw new UnsafePathException("changed while Stillpoint created " + created);
        }
        Durable.syncDirectory(dirPath);
        return made.fileKey();
    }

    private static SecureDirectoryStream<Path> descend(SecureDirectoryStream<Path> dir, Path child, String name)
            throws IOException {
        try {
            return dir.newDirectoryStream(Path.of(name), LinkOption.NOFOLLOW_LINKS);
        } catch (NotDirectoryException e) {
            throw new UnsafePathException("has " + child + ", which is not a directory");
        } catch (FileSystemException e) {
            // O_NOFOLLOW on a link: ELOOP
            if (attributes(dir, name).map(BasicFileAttributes::isSymbolicLink).orElse(false)) {
                throw new UnsafePathException("has " + child + ", which is a symbolic link; Stillpoint does not follow"
                        + " links where it restores");
            }
            throw e;
        }
    }

    /** {@code Path.of("")}, the root itself, has one empty name; it has no segment to walk. */
    private static Iterable<Path> segments(Path relative) {
        return relative.toString().isEmpty() ? java.util.List.of() : relative;
    }

    private static Path walkByPath(Path root, Path relative) throws IOException {
        Path reached = root;
        for (Path segment : segments(relative)) {
            String name = segment.toString();
            if (name.isEmpty() || name.equals(".") || name.equals("..")) {
                throw new UnsafePathException("must not contain '" + name + "'");
            }
            Path next = reached.resolve(name);
            if (!Files.exists(next, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(next);
            }
            BasicFileAttributes attributes = Files.readAttributes(next, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (attributes.isSymbolicLink() || attributes.isOther() || !attributes.isDirectory()) {
                throw new UnsafePathException("has " + next + ", which is a link or not a directory; Stillpoint does"
                        + " not follow links where it restores");
            }
            reached = next;
        }
        return reached;
    }
}
