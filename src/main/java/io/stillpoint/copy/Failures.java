package io.stillpoint.copy;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/** Turns the JDK's and the kernel's failures into a {@link CopyException} with the cause in plain words. */
final class Failures {

    private Failures() {}

    static CopyException wrap(Path entry, String action, IOException failure) {
        if (failure instanceof CopyException copy) {
            return copy;
        }
        Path file = entry;
        if (failure instanceof FileSystemException fs && fs.getFile() != null) {
            file = Path.of(fs.getFile());
        }
        return new CopyException(file, action + ": " + plainWords(failure), failure);
    }

    static String plainWords(IOException failure) {
        if (failure instanceof NoSuchFileException) {
            return "no such file or directory (it vanished while the tree was copied)";
        }
        if (failure instanceof FileAlreadyExistsException) {
            return "it already exists";
        }
        if (failure instanceof DirectoryNotEmptyException) {
            return "the directory is not empty";
        }
        String text = failure instanceof FileSystemException fs && fs.getReason() != null
                ? fs.getReason()
                : String.valueOf(failure.getMessage());
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.contains("no space left")) {
            return "no space left on device";
        }
        if (lower.contains("quota")) {
            return "disk quota exceeded";
        }
        if (lower.contains("read-only file system")) {
            return "read-only file system";
        }
        if (failure instanceof AccessDeniedException || lower.contains("permission denied")
                || lower.contains("operation not permitted")) {
            return "permission denied" + (lower.contains("not permitted") ? " (operation not permitted)" : "");
        }
        return text;
    }
}
