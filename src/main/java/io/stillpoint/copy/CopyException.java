package io.stillpoint.copy;

import java.io.IOException;
import java.nio.file.Path;

/** A copy failed on one file; the message names the file and the cause in plain words. */
public class CopyException extends IOException {

    private final Path file;

    public CopyException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
