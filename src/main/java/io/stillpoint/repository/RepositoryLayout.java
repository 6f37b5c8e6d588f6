package io.stillpoint.repository;

import io.stillpoint.fs.GeneratedNames;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Where restore points lie in a repository: {@code <root>/<vm id>/<restore point id>/} holding {@code
 * manifest.json}, {@code files/} (the VM's folder) and {@code metadata/} (writer documents). While it
 * is written a restore point's directory ends in {@code .partial} and carries a marker of {@link
 * #PARTIAL_PURPOSE} naming the run that writes it; a directory without that suffix and with a manifest
 * is finished. The root carries the repository's own marker ({@link #PURPOSE}, the repository's id).
 */
public final class RepositoryLayout {

    /** The purpose a repository folder's marker names. */
    public static final String PURPOSE = "repository";
    /** The purpose a {@code .partial} directory's marker names, with the id of the run writing it. */
    public static final String PARTIAL_PURPOSE = "partial-restore-point";

    public static final String FILES = "files";
    public static final String METADATA = "metadata";
    public static final String MANIFEST = "manifest.json";
    public static final String PARTIAL_SUFFIX = GeneratedNames.PARTIAL;

    private final Path root;

    public RepositoryLayout(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    public Path restorePoint(UUID vmId, UUID restorePointId) {
        return root.resolve(relative(vmId, restorePointId));
    }

    public Path partial(UUID vmId, UUID restorePointId) {
        return root.resolve(relative(vmId, restorePointId) + PARTIAL_SUFFIX);
    }

    public static String relative(UUID vmId, UUID restorePointId) {
        return vmId + "/" + restorePointId;
    }

    public Path resolve(String relativePath) {
        return root.resolve(relativePath);
    }
}
