package io.stillpoint.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The programs Stillpoint may start: only those an admin listed in the server's configuration (never a
 * value from the API, a file a guest folder holds, or a process's {@code argv[0]}), named by absolute
 * path and compared by real path, and only while no one but root or Stillpoint's own user can change
 * them: the file and every folder above it owned by one of the two and writable by neither group nor
 * others (a folder with the sticky bit, such as {@code /tmp}, may be, since no one else can rename
 * what lies in it). What runs is the vetted real path, so a link is never followed at start time.
 *
 * <p>On a file store without POSIX attributes (NTFS) the allow-list and the absolute path are the
 * rule: Java cannot read who may write a file there in a way that survives translated account names.
 */
public final class TrustedExecutables {

    private static final int GROUP_OR_OTHER_WRITE = 0022;
    private static final int STICKY = 01000;
    private static final long ROOT = 0;

    private final List<String> allowed;
    private final String configKeys;

    /**
     * @param allowed the executables the configuration names
     * @param configKeys the configuration keys they come from, for messages
     */
    public TrustedExecutables(Collection<String> allowed, String configKeys) {
        this.allowed = List.copyOf(allowed);
        this.configKeys = configKeys;
    }

    public List<String> allowed() {
        return allowed;
    }

    public String configKeys() {
        return configKeys;
    }

    /**
     * The real path of {@code requested} if it is one of the allowed executables and safe to run.
     *
     * @throws UntrustedExecutableException saying why not, in words that complete "executable ..."
     */
    public Path vet(String requested) throws UntrustedExecutableException {
        Path path;
        try {
            path = Path.of(requested);
        } catch (InvalidPathException e) {
            throw new UntrustedExecutableException("'" + requested + "' is not a valid path");
        }
        if (!path.isAbsolute()) {
            throw new UntrustedExecutableException("'" + requested + "' must be an absolute path: a program found on"
                    + " the PATH is whatever the PATH holds when it runs");
        }
        Path real = realPath(path);
        if (allowedRealPaths().stream().noneMatch(real::equals)) {
            throw new UntrustedExecutableException("'" + requested + "'" + (real.equals(path) ? "" : " (" + real + ")")
                    + " is not one of the executables the server's configuration allows (" + configKeys + ": "
                    + String.join(", ", allowed) + ")");
        }
        check(real);
        return real;
    }

    /**
     * The first allowed executable called {@code fileName} that is safe to run, for a program that only
     * names which of the allowed ones it wants (such as a restored guest's emulator).
     */
    public Optional<Path> byFileName(String fileName) {
        for (String entry : allowed) {
            try {
                Path path = Path.of(entry);
                if (path.getFileName() != null && path.getFileName().toString().equals(fileName)) {
                    return Optional.of(vet(entry));
                }
            } catch (InvalidPathException | UntrustedExecutableException e) {
                // An entry that is missing here or unsafe is not a candidate; the next one may be.
            }
        }
        return Optional.empty();
    }

    /**
     * Checks a real path again right before it runs: vetted once, it could have been changed since only
     * by root or by Stillpoint's user, but a later chmod or chown is caught here.
     */
    public static void check(Path real) throws UntrustedExecutableException {
        try {
            if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
                throw new UntrustedExecutableException(real + " is not a regular file");
            }
            if (!Files.isExecutable(real)) {
                throw new UntrustedExecutableException(real + " is not executable");
            }
            if (!Files.getFileStore(real).supportsFileAttributeView("unix")) {
                return;
            }
            long own = ownUid();
            for (Path at = real; at != null; at = at.getParent()) {
                long owner = ((Number) Files.getAttribute(at, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
                int mode = (Integer) Files.getAttribute(at, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                boolean folder = !at.equals(real);
                if (owner != ROOT && owner != own) {
                    throw new UntrustedExecutableException((folder ? "the folder " + at + " of " + real : real)
                            + " is owned by uid " + owner + ", neither root nor Stillpoint's own user (uid " + own + ")");
                }
                if ((mode & GROUP_OR_OTHER_WRITE) != 0 && !(folder && (mode & STICKY) != 0)) {
                    throw new UntrustedExecutableException((folder ? "the folder " + at + " of " + real : real)
                            + " is writable by its group or others (mode " + String.format("%04o", mode & 07777)
                            + "), so another user could replace what runs");
                }
            }
        } catch (IOException e) {
            throw new UntrustedExecutableException(real + " cannot be checked: " + e.getMessage());
        }
    }

    /**
     * The user id this process runs as, or -1 where the system has no {@code /proc} (then no owner
     * check applies, see the class comment).
     */
    public static long ownUid() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return -1;
        }
    }

    private List<Path> allowedRealPaths() {
        List<Path> reals = new ArrayList<>();
        for (String entry : allowed) {
            try {
                Path path = Path.of(entry);
                if (path.isAbsolute()) {
                    reals.add(path.toRealPath());
                }
            } catch (InvalidPathException | IOException e) {
                // Not installed on this machine: nothing can match it.
            }
        }
        return reals;
    }

    private static Path realPath(Path path) throws UntrustedExecutableException {
        try {
            return path.toRealPath();
        } catch (NoSuchFileException e) {
            throw new UntrustedExecutableException("'" + path + "' does not exist");
        } catch (IOException e) {
            throw new UntrustedExecutableException("'" + path + "' cannot be resolved: " + e.getMessage());
        }
    }
}
