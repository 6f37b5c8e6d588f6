package io.stillpoint.host.libvirt;

import io.stillpoint.fs.Durable;
import io.stillpoint.host.HostException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Puts a restore point's disks, staged by a restore, in place of a shut-off domain's disks, each beside its
 * own file so that every swap is a rename. First every restored file is brought beside the disk it replaces
 * as {@code .<disk>.restore-<restore id>}; then each disk is set aside as {@code .<disk>.before-restore-<restore
 * id>} and the restored file renamed into its place. Once every disk is in place, the marker {@value #SWAPPED}
 * in the staged copy records it durably: from then on the restore is finished forwards, never put back, so a
 * domain never ends with some disks restored and others not. Before the marker, a failure puts every disk
 * back, and an interrupted swap is put back by {@link #rollBack} from the staged copy, which the restore keeps
 * until the end. A disk set aside is deleted only if it is the very file this swap moved there, or kept as
 * {@code <disk>.before-restore-<time>}.
 */
final class DiskSwap {

    private final Path staged;
    private final UUID restoreId;
    /** Written into the staged copy once every restored disk is in place. */
    static final String SWAPPED = ".stillpoint-disks-swapped";

    /** By target: the disk file the point's definition names, which the restored copy replaces. */
    private final Map<String, Path> disks;
    /** By disk, the file key of what {@link #swapIn} set aside; empty where there was no disk to replace. */
    private final Map<Path, Optional<Object>> asideKeys = new LinkedHashMap<>();

    /** @param disks by target, the disk files of the point's definition */
    DiskSwap(Path staged, UUID restoreId, Map<String, Path> disks) {
        this.staged = staged;
        this.restoreId = restoreId;
        this.disks = disks;
    }

    /**
     * Swaps every disk, or none: on failure what was swapped is put back and the error thrown. Ends with
     * every restored disk in place, durably, and the replaced ones set aside for {@link #finish}.
     */
    void swapIn() throws IOException {
        for (Map.Entry<String, Path> disk : disks.entrySet()) {
            Path restored = stagedFile(disk.getKey());
            Path incoming = incoming(disk.getValue());
            // Across file systems this copies; the rename into place below is then within the disk's folder.
            Files.move(restored, incoming);
        }
        asideKeys.clear();
        try {
            for (Path disk : disks.values()) {
                Object key = null;
                if (Files.exists(disk, LinkOption.NOFOLLOW_LINKS)) {
                    BasicFileAttributes old = Files.readAttributes(disk, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (!old.isRegularFile()) {
                        throw new IOException(disk + " is not a file (a link?); an in-place restore replaces only a file");
                    }
                    key = old.fileKey();
                    Files.move(disk, aside(disk), StandardCopyOption.ATOMIC_MOVE);
                }
                asideKeys.put(disk, Optional.ofNullable(key));
                Files.move(incoming(disk), disk, StandardCopyOption.ATOMIC_MOVE);
            }
            for (Path folder : disks.values().stream().map(d -> d.toAbsolutePath().getParent()).distinct().toList()) {
                Durable.syncDirectory(folder);
            }
            Durable.write(staged.resolve(SWAPPED), restoreId.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            try {
                // A marker written but not made durable must not send a later recovery forwards.
                Files.deleteIfExists(staged.resolve(SWAPPED));
                rollBack();
            } catch (IOException back) {
                e.addSuppressed(back);
            }
            throw e;
        }
    }

    /** Whether every restored disk was put in place: the restore must then be finished, not put back. */
    boolean swapped() {
        return Files.isRegularFile(staged.resolve(SWAPPED), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * After {@link #swapIn}: deletes each replaced disk if it is still the very file this swap set aside,
     * or keeps it as {@code <disk>.before-restore-<time>}.
     */
    void finish(boolean keepPrevious, Instant now) throws IOException {
        for (Map.Entry<Path, Optional<Object>> entry : asideKeys.entrySet()) {
            if (entry.getValue().isEmpty()) {
                continue;
            }
            Path aside = aside(entry.getKey());
            if (keepPrevious) {
                Files.move(aside, kept(entry.getKey(), now), StandardCopyOption.ATOMIC_MOVE);
            } else if (Objects.equals(Files.readAttributes(aside, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .fileKey(), entry.getValue().get())) {
                Files.delete(aside);
            }
        }
    }

    /**
     * After a crash past {@link #swapIn}: what this swap set aside and has not deleted yet is kept under a
     * visible name, since nothing now proves it is still the file that was set aside.
     *
     * @return the names the replaced disks are kept under
     */
    List<Path> keepAside(Instant now) throws IOException {
        List<Path> kept = new ArrayList<>();
        for (Path disk : disks.values()) {
            Path aside = aside(disk);
            if (Files.isRegularFile(aside, LinkOption.NOFOLLOW_LINKS)) {
                Path keptAs = kept(disk, now);
                Files.move(aside, keptAs, StandardCopyOption.ATOMIC_MOVE);
                kept.add(keptAs);
            }
        }
        return kept;
    }

    /**
     * Puts back what an interrupted or failed swap changed: every disk set aside returns to its place (a
     * restored file there goes back to the staged copy, which the restore then deletes), and restored files
     * brought beside the disks go back to the staged copy too.
     *
     * @return what was done, in words
     */
    String rollBack() throws IOException {
        List<String> done = new ArrayList<>();
        for (Map.Entry<String, Path> entry : disks.entrySet()) {
            Path disk = entry.getValue();
            Path aside = aside(disk);
            if (Files.isRegularFile(aside, LinkOption.NOFOLLOW_LINKS)) {
                if (Files.isRegularFile(disk, LinkOption.NOFOLLOW_LINKS)) {
                    Files.move(disk, stagedFileFor(entry.getKey(), disk), StandardCopyOption.REPLACE_EXISTING);
                }
                Files.move(aside, disk, StandardCopyOption.ATOMIC_MOVE);
                done.add(disk + " was put back");
            }
            Path incoming = incoming(disk);
            if (Files.isRegularFile(incoming, LinkOption.NOFOLLOW_LINKS)) {
                Files.move(incoming, stagedFileFor(entry.getKey(), disk), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return done.isEmpty() ? "no disk had been replaced" : String.join("; ", done);
    }

    /** The one restored file of disk {@code target} in the staged copy, {@code <target>/<file>}. */
    private Path stagedFile(String target) throws IOException {
        Path folder = staged.resolve(target);
        List<Path> files;
        try (Stream<Path> entries = Files.list(folder)) {
            files = entries.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).toList();
        }
        if (files.size() != 1) {
            throw new HostException("the restored copy has " + files.size() + " files for disk " + target + " in "
                    + folder + ", not one");
        }
        return files.get(0);
    }

    private Path stagedFileFor(String target, Path disk) throws IOException {
        return Files.createDirectories(staged.resolve(target)).resolve(disk.getFileName().toString());
    }

    private Path incoming(Path disk) {
        return disk.resolveSibling("." + disk.getFileName() + ".restore-" + restoreId);
    }

    private Path aside(Path disk) {
        return disk.resolveSibling("." + disk.getFileName() + ".before-restore-" + restoreId);
    }

    private static Path kept(Path disk, Instant now) {
        return disk.resolveSibling(disk.getFileName() + ".before-restore-"
                + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(now));
    }
}
