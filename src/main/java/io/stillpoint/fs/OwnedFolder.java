package io.stillpoint.fs;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A folder Stillpoint made and marked: the only kind of folder it deletes anything in. The marker,
 * {@value #MARKER}, is written when the folder is created (or claimed while empty) and names what the
 * folder is for and the id of what owns it (a repository, a snapshot, a restore). Deleting goes through
 * {@link #deleteGenerated} and {@link #delete}, which check the marker against the id the caller expects,
 * accept only names Stillpoint generates ({@link GeneratedNames}), and never follow a link: a folder an
 * admin pointed at, or that another process changed, loses nothing that Stillpoint did not write.
 *
 * <p>Paths are compared by what they are on disk, never as strings: a folder is opened by its real path,
 * and the marker must be a regular file in it, not a link.
 */
public final class OwnedFolder {

    public static final String MARKER = ".stillpoint-owned";

    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();

    /** What a marker says: the folder's purpose (e.g. {@code repository}) and its owner's id. */
    public record Ownership(String purpose, UUID id, Instant createdAt, String note) {

        static final String NOTE = "Made by Stillpoint. Stillpoint deletes only names it generated inside folders "
                + "carrying this file; remove the file to keep Stillpoint from deleting anything here.";
    }

    private final Path path;
    private final Ownership ownership;

    private OwnedFolder(Path path, Ownership ownership) {
        this.path = path;
        this.ownership = ownership;
    }

    /** The folder's real path. */
    public Path path() {
        return path;
    }

    public Ownership ownership() {
        return ownership;
    }

    /**
     * Makes {@code dir} a folder of {@code purpose} owned by {@code id}: a folder that does not exist yet is
     * created, an empty one is claimed, one that already carries a marker of the same purpose is
     * re-attached to {@code id}. Anything else is refused, so Stillpoint never takes over a folder that holds
     * someone else's files.
     *
     * @throws NotOwnedException naming what the folder holds instead
     */
    public static OwnedFolder create(Path dir, String purpose, UUID id) throws IOException {
        Path absolute = dir.toAbsolutePath().normalize();
        if (!Files.exists(absolute, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(absolute)) {
            Durable.createDirectories(absolute);
        }
        Path real = absolute.toRealPath();
        if (!Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)) {
            throw new NotOwnedException(real, "is not a directory");
        }
        Optional<Ownership> existing = read(real);
        if (existing.isPresent() && !existing.get().purpose().equals(purpose)) {
            throw new NotOwnedException(real, "is a Stillpoint " + existing.get().purpose() + " folder, not a " + purpose
                    + " folder");
        }
        if (existing.isEmpty()) {
            List<String> entries = entries(real);
            if (!entries.isEmpty()) {
                throw new NotOwnedException(real, "is not empty (it holds " + describe(entries)
                        + ") and carries no Stillpoint marker");
            }
        }
        Ownership ownership = new Ownership(purpose, id,
                existing.map(Ownership::createdAt).orElseGet(Instant::now), Ownership.NOTE);
        Durable.write(real.resolve(MARKER), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(ownership));
        return new OwnedFolder(real, ownership);
    }

    /**
     * Opens a folder to delete in: it must carry a marker of {@code purpose} naming {@code id}.
     *
     * @throws NotOwnedException when it does not
     */
    public static OwnedFolder open(Path dir, String purpose, UUID id) throws IOException {
        Path real;
        try {
            real = dir.toAbsolutePath().toRealPath();
        } catch (NoSuchFileException e) {
            throw new NotOwnedException(dir.toAbsolutePath(), "does not exist");
        }
        Ownership ownership = read(real).orElseThrow(() -> new NotOwnedException(real, "carries no Stillpoint marker"));
        if (!ownership.purpose().equals(purpose) || !ownership.id().equals(id)) {
            throw new NotOwnedException(real, "is marked as the " + ownership.purpose() + " folder of " + ownership.id()
                    + ", not as the " + purpose + " folder of " + id);
        }
        return new OwnedFolder(real, ownership);
    }

    /** Says what a folder holds that Stillpoint would not have put there, if anything. */
    @FunctionalInterface
    public interface ContentsCheck {

        /** @return a description of the first foreign entry found in {@code realDir}, or empty */
        Optional<String> foreign(Path realDir) throws IOException;
    }

    /**
     * Marks a folder that an older Stillpoint made before folders carried markers, but only when {@code
     * contents} finds nothing in it that Stillpoint would not have put there. A folder already marked for
     * {@code purpose} and {@code id} is simply opened; one marked otherwise, or missing, is refused.
     *
     * @throws NotOwnedException naming what the folder holds instead, or whose it is
     */
    public static OwnedFolder adopt(Path dir, String purpose, UUID id, ContentsCheck contents) throws IOException {
        Path real;
        try {
            real = dir.toAbsolutePath().toRealPath();
        } catch (NoSuchFileException e) {
            throw new NotOwnedException(dir.toAbsolutePath(), "does not exist");
        }
        if (!Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)) {
            throw new NotOwnedException(real, "is not a directory");
        }
        if (read(real).isPresent()) {
            return open(real, purpose, id);
        }
        Optional<String> foreign = contents.foreign(real);
        if (foreign.isPresent()) {
            throw new NotOwnedException(real, "carries no Stillpoint marker and holds " + foreign.get()
                    + ", which Stillpoint did not make");
        }
        Ownership ownership = new Ownership(purpose, id, Instant.now(), Ownership.NOTE);
        Durable.write(real.resolve(MARKER), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(ownership));
        return new OwnedFolder(real, ownership);
    }

    /**
     * Makes the folder {@code <container>/<id>}, named by the id its marker names: a folder of one piece of
     * work (a snapshot) among others of its kind, which {@link #survey} finds again after a restart.
     */
    public static OwnedFolder createNamedById(Path container, String purpose, UUID id) throws IOException {
        return create(container.resolve(id.toString()), purpose, id);
    }

    /**
     * Opens the entry {@code name} of {@code parent} to delete it: it must itself be a folder (not a link,
     * junction or mount point, which would lead elsewhere) carrying a marker of {@code purpose} naming {@code id}.
     *
     * @throws NotOwnedException when it is not
     */
    public static OwnedFolder openEntry(Path parent, String name, String purpose, UUID id) throws IOException {
        Path entry = parent.toAbsolutePath().resolve(name);
        Optional<String> notAFolder = notAFolder(entry);
        if (notAFolder.isPresent()) {
            throw new NotOwnedException(entry, notAFolder.get());
        }
        return open(entry, purpose, id);
    }

    /**
     * One entry of a folder Stillpoint keeps folders of its own in, beside whatever else may be there.
     *
     * @param owned the entry as a folder of the purpose asked for, named by the id its marker names
     * @param unmarked whether the entry is a folder with a generated name but no marker at all, as an older
     *     Stillpoint left them: the caller may take it for its own only when its content is exactly what it
     *     makes, and otherwise leaves it
     * @param why when the entry is not {@code owned}, what it is instead
     */
    public record Entry(Path path, Optional<OwnedFolder> owned, boolean unmarked, String why) {

        public String name() {
            return path.getFileName().toString();
        }
    }

    /**
     * Every entry of {@code container}, sorted by name, each told apart as one of the folders {@link
     * #createNamedById} made for {@code purpose} or as something else. Nothing is followed: a link named like
     * one of ours is not ours.
     */
    public static List<Entry> survey(Path container, String purpose) throws IOException {
        Path real = container.toAbsolutePath().toRealPath();
        List<Entry> found = new ArrayList<>();
        for (String name : entries(real).stream().sorted().toList()) {
            Path entry = real.resolve(name);
            if (!GeneratedNames.isUuid(name)) {
                found.add(new Entry(entry, Optional.empty(), false, "is not a name Stillpoint generates"));
                continue;
            }
            Optional<String> notAFolder = notAFolder(entry);
            if (notAFolder.isPresent()) {
                found.add(new Entry(entry, Optional.empty(), false, notAFolder.get()));
                continue;
            }
            Optional<Ownership> marker = read(entry);
            if (marker.isEmpty()) {
                found.add(new Entry(entry, Optional.empty(), true, "carries no Stillpoint marker"));
            } else if (!marker.get().purpose().equals(purpose) || !marker.get().id().toString().equals(name)) {
                found.add(new Entry(entry, Optional.empty(), false, "is marked as the " + marker.get().purpose()
                        + " folder of " + marker.get().id() + ", not as the " + purpose + " folder of " + name));
            } else {
                found.add(new Entry(entry, Optional.of(new OwnedFolder(entry, marker.get())), false, "is ours"));
            }
        }
        return found;
    }

    private static Optional<String> notAFolder(Path entry) throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return Optional.of("does not exist");
        }
        // A Windows junction or mount point reads as a directory that is also "other".
        if (attributes.isSymbolicLink() || attributes.isOther()) {
            return Optional.of("is a link, junction or mount point");
        }
        return attributes.isDirectory() ? Optional.empty() : Optional.of("is not a folder");
    }

    /** The marker of a folder, if it carries a readable one (a link named like the marker does not count). */
    public static Optional<Ownership> read(Path dir) throws IOException {
        Path marker = dir.resolve(MARKER);
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(marker, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        if (!attributes.isRegularFile() || attributes.size() > 64 * 1024) {
            return Optional.empty();
        }
        try {
            Ownership ownership = JSON.readValue(Files.readString(marker, StandardCharsets.UTF_8), Ownership.class);
            return ownership.purpose() == null || ownership.id() == null ? Optional.empty() : Optional.of(ownership);
        } catch (IOException unreadable) {
            return Optional.empty();
        }
    }

    /**
     * Deletes {@code relative} and everything under it, without following links. Every segment of
     * {@code relative} must be a name Stillpoint generates; a missing entry is not an error.
     *
     * @param relative e.g. {@code <vm id>/<restore point id>.partial}
     * @throws NotOwnedException when a segment is not a generated name
     */
    public void deleteGenerated(String relative) throws IOException {
        NoFollowDelete.below(path, segments(relative));
    }

    /** Deletes {@code relative} if it is an empty directory of a generated name; otherwise leaves it. */
    public boolean deleteGeneratedIfEmpty(String relative) throws IOException {
        return NoFollowDelete.emptyDirectoryBelow(path, segments(relative));
    }

    /**
     * Deletes the whole folder, marker included, without following links: for folders Stillpoint made
     * for its own work (a snapshot's view, a staging folder).
     */
    public void delete() throws IOException {
        NoFollowDelete.folder(path);
    }

    /**
     * Removes the marker and nothing else: from now on Stillpoint deletes nothing here. A folder that is
     * finished and handed on (a restore point committed under its final name) keeps no trace of it.
     */
    public void disown() throws IOException {
        Files.deleteIfExists(path.resolve(MARKER));
        Durable.syncDirectory(path);
    }

    /**
     * Gives the folder up: removes the marker, so that Stillpoint deletes nothing here any more, and then
     * the folder itself if nothing else is left in it.
     *
     * @return whether the folder is gone
     */
    public boolean release() throws IOException {
        disown();
        try {
            Files.delete(path);
        } catch (DirectoryNotEmptyException kept) {
            return false;
        }
        Durable.syncDirectory(path.getParent());
        return true;
    }

    private List<String> segments(String relative) {
        List<String> segments = List.of(relative.split("/", -1));
        for (String segment : segments) {
            if (!GeneratedNames.isGenerated(segment)) {
                throw new NotOwnedException(path.resolve(relative), "is not a name Stillpoint generates");
            }
        }
        return segments;
    }

    private static List<String> entries(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path entry : stream) {
                names.add(entry.getFileName().toString());
            }
        }
        return names;
    }

    private static String describe(List<String> entries) {
        List<String> shown = entries.stream().sorted().limit(3).toList();
        return String.join(", ", shown) + (entries.size() > shown.size() ? " and " + (entries.size() - shown.size())
                + " more" : "");
    }
}
