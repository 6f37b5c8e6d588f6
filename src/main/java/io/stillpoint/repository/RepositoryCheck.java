package io.stillpoint.repository;

import io.stillpoint.fs.Durable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Finds, and unless asked not to removes, what lies in a repository that the catalog does not know:
 * restore point directories without a catalog row (a deletion interrupted after its catalog change, a
 * run interrupted after its rename) and {@code .partial} directories no active run writes.
 */
public final class RepositoryCheck {

    private RepositoryCheck() {}

    /**
     * @param known restore point ids in the catalog for this repository
     * @param active directories ({@code <vm id>/<name>}) that runs in progress are writing
     * @return the directories found unknown, relative to the repository's root
     */
    public static List<String> run(RepositoryLayout layout, Set<UUID> known, Set<String> active, boolean remove)
            throws IOException {
        List<String> unknown = new ArrayList<>();
        for (String dir : layout.directories()) {
            if (active.contains(dir)) {
                continue;
            }
            String name = dir.substring(dir.indexOf('/') + 1);
            if (name.endsWith(RepositoryLayout.PARTIAL_SUFFIX) || !isKnown(name, known)) {
                unknown.add(dir);
                if (remove) {
                    Durable.deleteTree(layout.resolve(dir));
                }
            }
        }
        if (remove) {
            removeEmptyVmDirectories(layout);
        }
        return unknown;
    }

    private static boolean isKnown(String name, Set<UUID> known) {
        try {
            return known.contains(UUID.fromString(name));
        } catch (IllegalArgumentException notOurs) {
            return false;
        }
    }

    private static void removeEmptyVmDirectories(RepositoryLayout layout) throws IOException {
        if (!Files.isDirectory(layout.root())) {
            return;
        }
        try (var vms = Files.list(layout.root())) {
            for (Path vm : vms.filter(Files::isDirectory).toList()) {
                try (var entries = Files.list(vm)) {
                    if (entries.findAny().isEmpty()) {
                        Files.delete(vm);
                    }
                }
            }
        }
    }
}
