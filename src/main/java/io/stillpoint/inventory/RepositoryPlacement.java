package io.stillpoint.inventory;

import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.catalog.Host;
import io.stillpoint.config.StillpointConfig;
import io.stillpoint.fs.SafePaths;
import io.stillpoint.fs.UnsafePathException;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a repository may be: in a folder of its own that neither is, holds nor lies inside another
 * repository, a restore root, a host's folder, {@code $STILLPOINT_HOME} or one of the home's own parts.
 * Every path is compared by its real path (links resolved as far as the path exists), never as a string.
 *
 * <p>A repository may lie inside the home, next to its parts (the demo's {@code default} repository is
 * {@code $STILLPOINT_HOME/repository}), but never in one of them: {@link #HOME_PARTS} are the folders
 * Stillpoint keeps there for itself, and the home's files (its keys) cannot hold a repository since a
 * repository needs a folder that is new or empty.
 */
@ApplicationScoped
public class RepositoryPlacement {

    /** The folders of {@code $STILLPOINT_HOME} that belong to Stillpoint itself and never hold a repository. */
    public static final List<String> HOME_PARTS = List.of("pg", "work", "demo", "restores", "qemu-hosts");

    private final StillpointConfig config;
    private final HostRegistry hosts;

    RepositoryPlacement(StillpointConfig config, HostRegistry hosts) {
        this.config = config;
        this.hosts = hosts;
    }

    /** What a repository must keep apart from, by real path. */
    private record Taken(String what, Path path) {}

    /**
     * Resolves a requested repository folder to its real path and refuses it when it overlaps anything it
     * must keep apart from. Call inside the transaction that stores the repository, with the repository
     * table locked, so that two requests cannot both take overlapping folders.
     *
     * @throws InvalidRequestException naming {@code path} and what it overlaps
     */
    public Path place(String requested) {
        Path real = realPath(requested);
        for (Taken taken : taken()) {
            if (real.startsWith(taken.path()) || taken.path().startsWith(real)) {
                String how = real.equals(taken.path()) ? "is" : real.startsWith(taken.path()) ? "lies inside" : "holds";
                throw new InvalidRequestException("path", real + " " + how + " " + taken.what() + " (" + taken.path()
                        + "); a repository needs a folder of its own, apart from other repositories, the restore roots,"
                        + " the hosts' folders and Stillpoint's home");
            }
        }
        return real;
    }

    /**
     * Refuses a new host whose folders on this server would be, hold or lie inside a repository: its
     * guests' files would be reported by the repository's check, and a restore in place or the host's own
     * clean-up would reach into restore points.
     *
     * @throws InvalidRequestException naming {@code settings} and the repository
     */
    public void checkHostFolders(String hostName, List<Path> folders) {
        for (BackupRepository repository : BackupRepository.<BackupRepository>listAll()) {
            Path root = resolved(repository.root());
            for (Path folder : folders) {
                Path real = resolved(folder);
                if (real.startsWith(root) || root.startsWith(real)) {
                    throw new InvalidRequestException("settings", "host '" + hostName + "' would keep its files in "
                            + real + ", which overlaps repository '" + repository.name + "' (" + root
                            + "); give the host a folder apart from every repository");
                }
            }
        }
    }

    private List<Taken> taken() {
        List<Taken> taken = new ArrayList<>();
        for (BackupRepository repository : BackupRepository.<BackupRepository>listAll()) {
            taken.add(new Taken("repository '" + repository.name + "'", resolved(repository.root())));
        }
        for (Path root : config.restore().roots()) {
            taken.add(new Taken("a restore root", resolved(root)));
        }
        Path home = resolved(config.home());
        for (String part : HOME_PARTS) {
            taken.add(new Taken("Stillpoint's own folder '" + part + "' in its home", home.resolve(part)));
        }
        for (Host host : Host.<Host>listAll()) {
            for (Path folder : hosts.folders(host)) {
                if (folder.isAbsolute()) {
                    taken.add(new Taken("a folder of host '" + host.name + "'", resolved(folder)));
                }
            }
        }
        return taken;
    }

    private Path realPath(String requested) {
        Path path;
        try {
            path = Path.of(requested);
        } catch (InvalidPathException e) {
            throw new InvalidRequestException("path", "is not a valid path: " + e.getReason());
        }
        if (!path.isAbsolute()) {
            throw new InvalidRequestException("path", "must be an absolute path");
        }
        for (Path segment : path) {
            if (segment.toString().equals("..")) {
                throw new InvalidRequestException("path", "must not contain '..'");
            }
        }
        Path real;
        try {
            real = SafePaths.realPathOfExistingPrefix(path.normalize());
        } catch (UnsafePathException e) {
            throw new InvalidRequestException("path", e.getMessage());
        }
        // Inside the home is allowed (beside its parts, which taken() lists); being or holding it is not.
        Path home = resolved(config.home());
        if (home.startsWith(real)) {
            throw new InvalidRequestException("path", real + (real.equals(home) ? " is" : " holds")
                    + " Stillpoint's home (" + home + "), with its catalog; a repository needs a folder of its own");
        }
        return real;
    }

    private static Path resolved(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        try {
            return SafePaths.realPathOfExistingPrefix(absolute);
        } catch (UnsafePathException dangling) {
            return absolute;
        }
    }
}
