package io.stillpoint.copy;

import java.nio.file.Path;

/**
 * Receives a copy's progress. Called from copier threads: implementations must be thread-safe and
 * quick (no database round trips; buffer and flush elsewhere).
 */
public interface CopyListener {

    CopyListener NONE = new CopyListener() {};

    /** At most a few times a second. */
    default void onProgress(CopyProgress progress) {}

    /** The per-file record of xcopy's {@code /F}: one call per entry written. */
    default void onEntry(Path source, Path target) {}

    default void onSkipped(SkippedEntry skipped) {}
}
