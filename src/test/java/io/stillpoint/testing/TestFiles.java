package io.stillpoint.testing;

import io.stillpoint.fs.NoFollowDelete;
import java.io.IOException;
import java.nio.file.Path;

/** Cleans up what a test made for itself, without following links out of it. */
public final class TestFiles {

    private TestFiles() {}

    /** Deletes a tree the test created; a missing one is not an error. */
    public static void deleteTree(Path root) throws IOException {
        Path absolute = root.toAbsolutePath();
        NoFollowDelete.entry(absolute.getParent(), absolute.getFileName().toString());
    }
}
