package io.stillpoint.restore;

import io.stillpoint.copy.FolderAttributes;
import io.stillpoint.copy.SkippedEntry;
import io.stillpoint.fs.ConfinedDirectory;
import io.stillpoint.fs.NoFollowDelete;
import io.stillpoint.fs.NotOwnedException;
import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.fs.UnsafePathException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Where a restore works beside its target, in the target's own folder so that every swap is a rename, and
 * each step it takes there. That folder is opened once, from a root the caller trusts and without following
 * links ({@link ConfinedDirectory}); every check and rename goes through it.
 *
 * <p>Names: the staging folder {@code .<name>.restore-<restore id>}; the replaced folder of an in-place
 * restore, set aside until the new one is in place, {@code .<name>.before-restore-<restore id>}; a replaced
 * folder kept ({@code keepPrevious}) {@code <name>.before-restore-<time>}.
 *
 * <p>A restore deletes only what it provably made: the staging folder carries {@link OwnedFolder}'s marker
 * ({@value #PURPOSE}, the restore's id) from its creation until its files are in place, and is deleted only
 * with that marker; a folder set aside is deleted only if it is the very directory this restore moved there
 * (the same file, not a link); a target that existed before the restore is never deleted.
 */
public final class Staging implements AutoCloseable {

    public static final String PURPOSE = "restore-staging";

    /** Marks a folder an in-place restore replaced and kept; hosts do not take it for a guest. */
    static final String KEPT_INFIX = ".before-restore-";

    private final ConfinedDirectory parent;
    private final String name;
    private final UUID restoreId;
    private Object stagingKey;
    private Object asideKey;

    private Staging(ConfinedDirectory parent, String name, UUID restoreId) {
        this.parent = parent;
        this.name = name;
        this.restoreId = restoreId;
    }

    /**
     * Beside {@code target}, whose folder is reached from {@code root} (a restore root, real path) without
     * following links, missing folders created.
     */
    public static Staging within(Path root, Path target, UUID restoreId) throws IOException {
        Path relative = root.relativize(target.toAbsolutePath().normalize().getParent());
        return open(root, relative, target, restoreId);
    }

    /**
     * Beside {@code target}, in a folder of the host's (a guest's folder, or where the host keeps new
     * guests): reached from its nearest existing ancestor, missing folders created without following links.
     */
    static Staging beside(Path target, UUID restoreId) throws IOException {
        Path folder = target.toAbsolutePath().normalize().getParent();
        Path existing = folder;
        while (existing.getParent() != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        return open(existing, existing.relativize(folder), target, restoreId);
    }

    private static Staging open(Path root, Path relative, Path target, UUID restoreId) throws IOException {
        try {
            return new Staging(ConfinedDirectory.open(root, relative), target.getFileName().toString(), restoreId);
        } catch (UnsafePathException e) {
            throw new IOException("the path to " + target + " " + e.getMessage(), e);
        }
    }

    public Path target() {
        return parent.resolve(name);
    }

    public Path staging() {
        return parent.resolve(stagingName());
    }

    Path aside() {
        return parent.resolve(asideName());
    }

    private String stagingName() {
        return "." + name + ".restore-" + restoreId;
    }

    private String asideName() {
        return "." + name + KEPT_INFIX + restoreId;
    }

    private String keptName(Instant at) {
        return name + KEPT_INFIX + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(at);
    }

    /** Creates the staging folder, new and marked as this restore's; returns its path for the copy. */
    public Path createStagingFolder() throws IOException {
        stagingKey = parent.createDirectory(stagingName());
        OwnedFolder.create(staging(), PURPOSE, restoreId);
        parent.confirm(stagingName(), stagingKey);
        return staging();
    }

    /**
     * Puts the staging folder in place of a target that must not exist, or for a restore to a path may be
     * an empty folder (which the rename replaces); the marker stays until {@link #unmarkTarget}.
     */
    public void placeAsTarget(boolean emptyFolderMayBeReplaced) throws IOException {
        parent.confirm(stagingName(), stagingKey);
        Optional<BasicFileAttributes> existing = parent.entry(name);
        if (existing.isPresent()) {
            boolean emptyFolder = existing.get().isDirectory() && isEmpty(target());
            if (!emptyFolderMayBeReplaced || !emptyFolder) {
                throw new FileAlreadyExistsException(target().toString(), null,
                        "appeared while the restore ran; it is left as it is");
            }
        }
        parent.rename(stagingName(), name);
    }

    /**
     * Puts the staging folder in place of the guest's folder: the staging folder first takes the guest
     * folder's own owner, group, mode and ACLs (the files inside keep the restore point's), then the guest's
     * folder is set aside and the staging folder renamed into its place; if that fails, the guest's folder
     * is put back.
     *
     * @return what of the folder's attributes could not be kept
     */
    List<SkippedEntry> swapIn() throws IOException {
        parent.confirm(stagingName(), stagingKey);
        BasicFileAttributes current = parent.entry(name).orElseThrow(() -> new NoSuchFileException(target().toString()));
        if (!current.isDirectory()) {
            throw new IOException(target() + " is not a folder (a link?); an in-place restore replaces only a folder");
        }
        List<SkippedEntry> lost = FolderAttributes.copyOwn(target(), staging());
        asideKey = current.fileKey();
        parent.rename(name, asideName());
        try {
            parent.rename(stagingName(), name);
        } catch (IOException e) {
            try {
                parent.rename(asideName(), name);
            } catch (IOException back) {
                e.addSuppressed(back);
            }
            throw e;
        }
        return lost;
    }

    /** Removes the staging marker from the target once the restored files are in place, if it is still there. */
    public void unmarkTarget() throws IOException {
        if (isMarkedAsOurs(target())) {
            NoFollowDelete.entry(target(), OwnedFolder.MARKER);
        }
    }

    /**
     * Deletes the folder an in-place swap set aside, if it is the one this restore moved there.
     *
     * @throws NotOwnedException when something else is there now (it is left as it is)
     */
    void deleteAside() throws IOException {
        Optional<BasicFileAttributes> aside = parent.entry(asideName());
        if (aside.isEmpty()) {
            return;
        }
        if (asideKey == null || !aside.get().isDirectory() || !Objects.equals(aside.get().fileKey(), asideKey)) {
            throw new NotOwnedException(aside(), "is not the folder this restore set aside; it is left as it is");
        }
        NoFollowDelete.entry(parent.path(), asideName());
    }

    /** Keeps the folder set aside under a visible name ({@code keepPrevious}); returns where. */
    Path keepAside(Instant at) throws IOException {
        String kept = keptName(at);
        parent.rename(asideName(), kept);
        return parent.resolve(kept);
    }

    /**
     * Deletes the staging folder after a failure, if there is one: only a folder marked as this restore's,
     * or an empty one of its name.
     *
     * @throws NotOwnedException when what is there is not (it is left as it is)
     */
    public void discard() throws IOException {
        Optional<BasicFileAttributes> found = parent.entry(stagingName());
        if (found.isPresent() && found.get().isDirectory() && OwnedFolder.read(staging()).isEmpty()
                && isEmpty(staging())) {
            // A crash between creating the staging folder and marking it: the empty folder loses nothing.
            Files.delete(staging());
            return;
        }
        deleteIfMarkedAsOurs(stagingName());
    }

    /**
     * Deletes the target after the guest made of it could not be registered: only the staging folder this
     * restore put there, still marked. A folder that was there before never carries the mark.
     */
    void discardPlacedTarget() throws IOException {
        deleteIfMarkedAsOurs(name);
    }

    /**
     * Rolls back what an interrupted restore left here: the staging folder is deleted if marked as its own;
     * a guest's folder set aside is put back if nothing took its place, and otherwise (the restored folder
     * is in place) kept under a visible name rather than deleted; a marker left in a restored folder goes.
     *
     * @return what was found and done, in words for the restore's error
     */
    public String rollBack(Instant now) throws IOException {
        List<String> done = new ArrayList<>();
        if (parent.entry(stagingName()).isPresent()) {
            try {
                discard();
                done.add("its staging folder was removed");
            } catch (NotOwnedException e) {
                done.add(e.getMessage());
            }
        }
        Optional<BasicFileAttributes> aside = parent.entry(asideName());
        if (aside.isPresent() && !aside.get().isDirectory()) {
            done.add(aside() + " is not a folder and was left as it is");
        } else if (aside.isPresent() && parent.entry(name).isEmpty()) {
            parent.rename(asideName(), name);
            done.add("the replaced folder was put back");
        } else if (aside.isPresent()) {
            done.add("the restored folder is in place and the replaced one is kept as " + keepAside(now));
        }
        if (isMarkedAsOurs(target())) {
            unmarkTarget();
            done.add("the restored files are in place at " + target());
        }
        return done.isEmpty() ? "the target was left as it was" : String.join("; ", done);
    }

    @Override
    public void close() throws IOException {
        parent.close();
    }

    private void deleteIfMarkedAsOurs(String entry) throws IOException {
        Optional<BasicFileAttributes> found = parent.entry(entry);
        if (found.isEmpty()) {
            return;
        }
        if (!found.get().isDirectory()) {
            throw new NotOwnedException(parent.resolve(entry), "is not a folder (a link?); it is left as it is");
        }
        OwnedFolder.open(parent.resolve(entry), PURPOSE, restoreId).delete();
    }

    private boolean isMarkedAsOurs(Path folder) throws IOException {
        if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        return OwnedFolder.read(folder)
                .filter(o -> PURPOSE.equals(o.purpose()) && restoreId.equals(o.id()))
                .isPresent();
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            return !entries.iterator().hasNext();
        }
    }
}
