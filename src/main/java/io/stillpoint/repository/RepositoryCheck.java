package io.stillpoint.repository;

import io.stillpoint.fs.GeneratedNames;
import io.stillpoint.fs.NotOwnedException;
import io.stillpoint.fs.OwnedFolder;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Compares a repository's folder with what the catalog says it holds. Only Stillpoint's own leftovers are
 * removed, and only what it can prove it made:
 *
 * <ul>
 *   <li>a restore point directory whose deletion the catalog recorded (deleted from the catalog first,
 *       then from disk, and the disk part was interrupted);
 *   <li>a {@code <id>.partial} directory carrying Stillpoint's {@link RepositoryLayout#PARTIAL_PURPOSE}
 *       marker for a run that no longer writes it.
 * </ul>
 *
 * <p>Everything else the catalog does not know is reported and left alone: a folder someone dropped in, a
 * link, a {@code .partial} without a marker, and restore points of another catalog (a repository
 * re-attached after a reinstall), which are reported as such. Nothing is followed through a link, and
 * removals go through {@link OwnedFolder#deleteGenerated}, which accepts generated names only.
 */
public final class RepositoryCheck {

    /**
     * What the catalog knows about one repository.
     *
     * @param pointsOf the cataloged restore points' directories ({@code <vm id>/<restore point id>}) of one VM
     *     folder, asked once per folder, so that only one VM's points are held at a time
     * @param vms the VM folders that hold cataloged restore points
     * @param deleted directories whose restore points the catalog deleted, waiting to be removed from disk
     * @param runActive whether a run, by id, is still queued or running (a run never becomes active again,
     *     so a {@code .partial} of a run found inactive stays unwritten)
     */
    public record Catalog(Function<String, Set<String>> pointsOf, Set<String> vms, Set<String> deleted,
            Predicate<UUID> runActive) {

        /** A catalog whose points are all given at once. */
        public Catalog(Set<String> points, Set<String> deleted, Predicate<UUID> runActive) {
            this(vm -> points.stream().filter(p -> p.startsWith(vm + "/")).collect(Collectors.toSet()),
                    points.stream().map(p -> p.substring(0, p.indexOf('/'))).collect(Collectors.toSet()), deleted, runActive);
        }
    }

    private RepositoryCheck() {}

    public static RepositoryReport run(OwnedFolder repository, Catalog catalog, boolean remove) throws IOException {
        Path root = repository.path();
        List<String> leftovers = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        List<RepositoryReport.FoundPoint> found = new ArrayList<>();
        Set<String> missing = new TreeSet<>();
        Set<String> visited = new HashSet<>();
        for (String vm : names(root)) {
            if (vm.equals(OwnedFolder.MARKER)) {
                continue;
            }
            Optional<BasicFileAttributes> vmAttributes = attributes(root.resolve(vm));
            if (vmAttributes.isEmpty()) {
                continue;
            }
            if (!GeneratedNames.isUuid(vm) || !vmAttributes.get().isDirectory()) {
                unknown.add(vm);
                continue;
            }
            visited.add(vm);
            Set<String> cataloged = catalog.pointsOf().apply(vm);
            Set<String> present = new HashSet<>();
            for (String name : names(root.resolve(vm))) {
                String relative = vm + "/" + name;
                Path dir = root.resolve(relative);
                Optional<BasicFileAttributes> attributes = attributes(dir);
                if (attributes.isEmpty()) {
                    continue;
                }
                boolean directory = attributes.get().isDirectory();
                if (cataloged.contains(relative)) {
                    if (directory && hasManifest(dir)) {
                        present.add(relative);
                    } else {
                        unknown.add(relative);
                    }
                } else if (catalog.deleted().contains(relative)) {
                    leftovers.add(relative);
                } else if (directory && isPartial(name)) {
                    Optional<UUID> writer = partialMarker(dir);
                    if (writer.isEmpty()) {
                        unknown.add(relative);
                    } else if (!catalog.runActive().test(writer.get())) {
                        leftovers.add(relative);
                    }
                } else {
                    unknown.add(relative);
                    if (directory && GeneratedNames.isUuid(name)) {
                        restorePoint(relative, dir).ifPresent(found::add);
                    }
                }
            }
            cataloged.stream().filter(p -> !present.contains(p)).forEach(missing::add);
        }
        catalog.vms().stream().filter(vm -> !visited.contains(vm)).forEach(vm -> missing.addAll(catalog.pointsOf().apply(vm)));
        List<String> removed = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        if (remove) {
            removeLeftovers(repository, leftovers, removed, problems);
        }
        return new RepositoryReport(removed, leftovers, unknown, found, new ArrayList<>(missing), problems);
    }

    /**
     * What a repository folder made by a Stillpoint that did not mark its folders may hold: only directories
     * named by VM ids holding directories named by restore point ids, finished (with a manifest) or {@code
     * .partial}. Used to mark such a folder on upgrade; any other entry keeps it unmarked.
     */
    public static Optional<String> foreignContent(Path root) throws IOException {
        for (String vm : names(root)) {
            Optional<BasicFileAttributes> vmAttributes = attributes(root.resolve(vm));
            if (vmAttributes.isEmpty()) {
                continue;
            }
            if (!GeneratedNames.isUuid(vm) || !vmAttributes.get().isDirectory()) {
                return Optional.of(vm);
            }
            for (String name : names(root.resolve(vm))) {
                Path dir = root.resolve(vm).resolve(name);
                Optional<BasicFileAttributes> attributes = attributes(dir);
                if (attributes.isEmpty()) {
                    continue;
                }
                boolean point = GeneratedNames.isUuid(name) && hasManifest(dir);
                if (!attributes.get().isDirectory() || !(point || isPartial(name))) {
                    return Optional.of(vm + "/" + name);
                }
            }
        }
        return Optional.empty();
    }

    private static void removeLeftovers(OwnedFolder repository, List<String> leftovers,
            List<String> removed, List<String> problems) {
        Set<String> vms = new TreeSet<>();
        for (String relative : leftovers) {
            try {
                repository.deleteGenerated(relative);
                removed.add(relative);
                vms.add(relative.substring(0, relative.indexOf('/')));
            } catch (IOException | NotOwnedException e) {
                problems.add(relative + " could not be removed: " + e.getMessage());
            }
        }
        for (String vm : vms) {
            try {
                repository.deleteGeneratedIfEmpty(vm);
            } catch (IOException e) {
                problems.add(vm + " could not be removed: " + e.getMessage());
            }
        }
    }

    private static boolean isPartial(String name) {
        return name.endsWith(RepositoryLayout.PARTIAL_SUFFIX) && GeneratedNames.isGenerated(name);
    }

    private static Optional<UUID> partialMarker(Path dir) throws IOException {
        return OwnedFolder.read(dir)
                .filter(o -> o.purpose().equals(RepositoryLayout.PARTIAL_PURPOSE))
                .map(OwnedFolder.Ownership::id);
    }

    private static boolean hasManifest(Path dir) {
        return Files.isRegularFile(dir.resolve(RepositoryLayout.MANIFEST), LinkOption.NOFOLLOW_LINKS);
    }

    private static Optional<RepositoryReport.FoundPoint> restorePoint(String relative, Path dir) {
        if (!hasManifest(dir)) {
            return Optional.empty();
        }
        try {
            Manifest manifest = ManifestCodec.read(dir.resolve(RepositoryLayout.MANIFEST));
            if (manifest.restorePointId() == null || manifest.vm() == null
                    || !manifest.restorePointId().toString().equals(dir.getFileName().toString())) {
                return Optional.empty();
            }
            return Optional.of(new RepositoryReport.FoundPoint(relative, manifest.restorePointId(), manifest.vm().id(),
                    manifest.vm().name(), manifest.snapshotAt()));
        } catch (IOException | RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    private static Optional<BasicFileAttributes> attributes(Path path) throws IOException {
        try {
            return Optional.of(Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
        } catch (NoSuchFileException gone) {
            return Optional.empty();
        }
    }

    private static List<String> names(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(entry -> names.add(entry.getFileName().toString()));
        } catch (NoSuchFileException gone) {
            return names;
        }
        names.sort(null);
        return names;
    }
}
