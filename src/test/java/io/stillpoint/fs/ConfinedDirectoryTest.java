package io.stillpoint.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reaching a folder from a root without following links, and acting on it through what was checked. */
class ConfinedDirectoryTest {

    @TempDir
    Path dir;

    @Test
    void createsMissingFoldersBelowTheRoot() throws IOException {
        Path root = Files.createDirectories(dir.resolve("root"));
        try (ConfinedDirectory reached = ConfinedDirectory.open(root, Path.of("a/b/c"))) {
            assertThat(reached.path()).isEqualTo(root.toRealPath().resolve("a/b/c"));
            assertThat(root.resolve("a/b/c")).isDirectory();
            Object key = reached.createDirectory("new");
            reached.confirm("new", key);
            assertThatThrownBy(() -> reached.createDirectory("new")).isInstanceOf(IOException.class);
        }
    }

    @Test
    void aLinkOnTheWayIsNeverFollowedNorWrittenThrough() throws IOException {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.createSymbolicLink(root.resolve("a"), outside);

        assertThatThrownBy(() -> ConfinedDirectory.open(root, Path.of("a/b")))
                .isInstanceOf(UnsafePathException.class).hasMessageContaining("symbolic link");
        assertThat(outside).isEmptyDirectory();

        Files.writeString(root.resolve("file"), "x");
        assertThatThrownBy(() -> ConfinedDirectory.open(root, Path.of("file/b")))
                .isInstanceOf(UnsafePathException.class).hasMessageContaining("not a directory");
        assertThatThrownBy(() -> ConfinedDirectory.open(root, Path.of("../outside")))
                .isInstanceOf(UnsafePathException.class);
    }

    /** The folder's path is swapped for a link after it was opened: renames still happen in the folder checked. */
    @Test
    void renamesGoThroughTheFolderThatWasCheckedEvenWhenItsPathNowLeadsElsewhere() throws IOException {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        try (ConfinedDirectory reached = ConfinedDirectory.open(root, Path.of("a"))) {
            Object key = reached.createDirectory("staging");
            Files.move(root.resolve("a"), root.resolve("moved-away"));
            Files.createSymbolicLink(root.resolve("a"), outside);

            assertThatThrownBy(() -> reached.confirm("staging", key)).isInstanceOf(UnsafePathException.class);
            assertThatThrownBy(() -> reached.createDirectory("other")).isInstanceOf(UnsafePathException.class);
            reached.rename("staging", "target");
        }
        assertThat(root.resolve("moved-away/target")).isDirectory();
        assertThat(outside.resolve("target")).doesNotExist();
    }
}
