package io.stillpoint.writer;

import io.stillpoint.fs.OwnedFolder;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The folders writers keep their snapshots' files in beside a guest's disks: {@code <views>/<snapshot id>/},
 * each marked as Stillpoint's, inside a views folder that must be a folder of its own, never a link to
 * somewhere else. What carries no marker, or is not a folder, is never taken for one.
 */
public final class SnapshotFolders {

    private static final System.Logger LOG = System.getLogger(SnapshotFolders.class.getName());

    private SnapshotFolders() {}

    /** Makes {@code views} if it is not there and the marked folder of snapshot {@code id} in it. */
    public static OwnedFolder create(Path views, String purpose, UUID id) throws IOException {
        try {
            Files.createDirectory(views);
        } catch (FileAlreadyExistsException exists) {
            if (!isPlainFolder(views)) {
                throw new SnapshotException(views + " is a link or not a folder; Stillpoint keeps its snapshots only"
                        + " in a folder of its own there");
            }
        }
        return OwnedFolder.createNamedById(views, purpose, id);
    }

    /**
     * The marked snapshot folders in {@code views}; anything else there is logged, as {@code whose}, and left.
     */
    public static List<OwnedFolder> marked(Path views, String purpose, String whose) throws IOException {
        try {
            if (!isPlainFolder(views)) {
                LOG.log(System.Logger.Level.WARNING, whose + ": left " + views + " as it is: it is a link or not a"
                        + " folder, so not Stillpoint's");
                return List.of();
            }
        } catch (NoSuchFileException none) {
            return List.of();
        }
        List<OwnedFolder> owned = new ArrayList<>();
        for (OwnedFolder.Entry entry : OwnedFolder.survey(views, purpose)) {
            if (entry.owned().isPresent()) {
                owned.add(entry.owned().get());
            } else {
                LOG.log(System.Logger.Level.WARNING, whose + ": left " + entry.path() + " as it is: it " + entry.why()
                        + ", and Stillpoint deletes only what it provably made");
            }
        }
        return owned;
    }

    /** Removes {@code views} once it is empty; {@code rmdir} removes nothing else. */
    public static void removeIfEmpty(Path views) throws IOException {
        try {
            if (Files.isDirectory(views, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(views);
            }
        } catch (DirectoryNotEmptyException | NoSuchFileException kept) {
            // other snapshots' folders, or what Stillpoint cannot prove it made, stay in it
        }
    }

    private static boolean isPlainFolder(Path path) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        return attributes.isDirectory() && !attributes.isSymbolicLink() && !attributes.isOther();
    }
}
