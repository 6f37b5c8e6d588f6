package io.stillpoint.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * Confines user-supplied paths to configured roots. A path is accepted only when, with every symbolic
 * link that already exists along it resolved, it lies inside one of the roots; {@code ..} segments are
 * refused outright rather than normalised, since an admin who types them is not asking for what they
 * would normalise to.
 */
public final class SafePaths {

    private SafePaths() {}

    /**
     * @return the absolute, link-free path inside a root
     * @throws UnsafePathException naming why the path is refused
     */
    public static Path confine(String requested, List<Path> roots) {
        if (requested == null || requested.isBlank()) {
            throw new UnsafePathException("must not be empty");
        }
        if (requested.indexOf('\0') >= 0) {
            throw new UnsafePathException("must not contain NUL characters");
        }
        Path path;
        try {
            path = Path.of(requested);
        } catch (InvalidPathException e) {
            throw new UnsafePathException("is not a valid path: " + e.getReason());
        }
        for (Path segment : path) {
            if (segment.toString().equals("..")) {
                throw new UnsafePathException("must not contain '..'");
            }
        }
        if (!path.isAbsolute()) {
            throw new UnsafePathException("must be absolute");
        }
        Path real = realPathOfExistingPrefix(path.normalize());
        for (Path root : roots) {
            Path realRoot = realPathOfExistingPrefix(root.toAbsolutePath().normalize());
            if (real.startsWith(realRoot) && !real.equals(realRoot)) {
                return real;
            }
        }
        throw new UnsafePathException("is outside the restore roots " + roots);
    }

    /**
     * The real path of the root that holds {@code confined}, a path {@link #confine} returned: where a walk
     * that follows no link ({@link ConfinedDirectory}) starts.
     *
     * @throws UnsafePathException when no root holds it (any more)
     */
    public static Path rootOf(Path confined, List<Path> roots) {
        for (Path root : roots) {
            Path realRoot = realPathOfExistingPrefix(root.toAbsolutePath().normalize());
            if (confined.startsWith(realRoot) && !confined.equals(realRoot)) {
                return realRoot;
            }
        }
        throw new UnsafePathException("is outside the restore roots " + roots);
    }

    /** Resolves links in the longest existing prefix of {@code path} and appends the rest unchanged. */
    public static Path realPathOfExistingPrefix(Path path) {
        Path existing = path;
        Path rest = null;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            Path name = existing.getFileName();
            rest = rest == null ? name : name.resolve(rest);
            existing = existing.getParent();
        }
        if (existing == null) {
            return path;
        }
        try {
            Path real = existing.toRealPath();
            return rest == null ? real : real.resolve(rest);
        } catch (IOException e) {
            throw new UnsafePathException("cannot be resolved: " + e.getMessage());
        }
    }
}
