package io.stillpoint.copy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The words a failed copy reports, for the failures the kernel and the JDK actually produce. */
class FailuresTest {

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of(new NoSuchFileException("/src/a"), "/src/a", "vanished"),
                Arguments.of(new AccessDeniedException("/dst/a"), "/dst/a", "permission denied"),
                Arguments.of(new FileSystemException("/dst/a", null, "Operation not permitted"), "/dst/a",
                        "permission denied (operation not permitted)"),
                Arguments.of(new IOException("No space left on device"), "/dst/entry", "no space left on device"),
                Arguments.of(new FileSystemException("/dst/a", null, "Read-only file system"), "/dst/a",
                        "read-only file system"),
                Arguments.of(new IOException("Disk quota exceeded"), "/dst/entry", "disk quota exceeded"));
    }

    @ParameterizedTest
    @MethodSource("failures")
    void namesTheFileAndTheCauseInPlainWords(IOException failure, String file, String words) {
        CopyException wrapped = Failures.wrap(Path.of("/dst/entry"), "cannot copy a", failure);

        assertThat(wrapped.file()).isEqualTo(Path.of(file));
        assertThat(wrapped.getMessage()).startsWith(file + ": cannot copy a: ").contains(words);
        assertThat(wrapped.getCause()).isSameAs(failure);
    }
}
