package io.stillpoint.repository;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Where restore points lie in a repository: {@code <root>/<vm id>/<restore point id>/} holding {@code
 * manifest.json}, {@code files/} (the VM's folder) and {@code metadata/} (writer documents). While it
 * is written a restore point's directory ends in {@code .partial}; a directory without that suffix
 * and with a manifest is finished.
 */
public final class RepositoryLayout {

    public static final String FILES = "files";
    public static final String METADATA = "metadata";
    public static final String MANIFEST = "manifest.json";
    public static final String PARTIAL_SUFFIX = ".partial";

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

    /** Every restore point directory, finished or not, as {@code <vm id>/<name>}. */
    public List<String> directories() throws IOException {
        List<String> found = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return found;
        }
        try (Stream<Path> vms = Files.list(root)) {
            for (Path vm : vms.filter(Files::isDirectory).toList()) {
                try (Stream<Path> points = Files.list(vm)) {
                    points.filter(Files::isDirectory)
                            .forEach(p -> found.add(vm.getFileName() + "/" + p.getFileName()));
                }
            }
        }
        return found;
    }
}
