package io.stillpoint.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which programs pass: real files, real owners and modes, as root sets them up (run as root). */
class TrustedExecutablesTest {

    @TempDir
    Path dir;

    private Path bin;
    private Path tool;

    @BeforeEach
    void aToolOnlyRootCanChange() throws IOException {
        assumeTrue(TrustedExecutables.ownUid() == 0, "the owner cases need root");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        bin = Files.createDirectories(dir.resolve("bin"));
        tool = script(bin.resolve("tool"));
    }

    @Test
    void anAllowedToolRunsByItsRealPath() throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("tool-link"), tool);
        TrustedExecutables allowed = new TrustedExecutables(List.of(link.toString()), "test.tools");

        assertThat(allowed.vet(tool.toString())).isEqualTo(tool.toRealPath());
        assertThat(allowed.vet(link.toString())).as("what runs is the file, not the link")
                .isEqualTo(tool.toRealPath());
        assertThat(allowed.byFileName("tool-link")).contains(tool.toRealPath());
        assertThat(allowed.byFileName("other")).isEmpty();
    }

    @Test
    void aToolNotOnTheListOrNamedRelativelyIsRefused() throws Exception {
        Path other = script(bin.resolve("other"));
        TrustedExecutables allowed = new TrustedExecutables(List.of(tool.toString()), "test.tools");

        assertThatThrownBy(() -> allowed.vet(other.toString())).isInstanceOf(UntrustedExecutableException.class)
                .hasMessageContaining("is not one of the executables the server's configuration allows (test.tools: "
                        + tool + ")");
        assertThatThrownBy(() -> allowed.vet("tool")).isInstanceOf(UntrustedExecutableException.class)
                .hasMessageContaining("must be an absolute path");
        assertThatThrownBy(() -> allowed.vet(bin.resolve("missing").toString()))
                .isInstanceOf(UntrustedExecutableException.class).hasMessageContaining("does not exist");
    }

    @Test
    void aToolOthersCanWriteOrReplaceIsRefusedEvenWhenListed() throws Exception {
        TrustedExecutables allowed = new TrustedExecutables(List.of(tool.toString()), "test.tools");

        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxrwxr-x"));
        assertThatThrownBy(() -> allowed.vet(tool.toString())).isInstanceOf(UntrustedExecutableException.class)
                .hasMessageContaining("writable by its group or others (mode 0775)");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));

        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> allowed.vet(tool.toString())).isInstanceOf(UntrustedExecutableException.class)
                .hasMessageContaining("the folder " + bin + " of " + tool);
        Files.setAttribute(bin, "unix:mode", 01777);
        assertThat(allowed.vet(tool.toString())).as("a sticky folder such as /tmp lets no one else rename it")
                .isEqualTo(tool);
        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));

        UserPrincipalLookupService users = bin.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(tool, users.lookupPrincipalByName("nobody"));
        assertThatThrownBy(() -> allowed.vet(tool.toString())).isInstanceOf(UntrustedExecutableException.class)
                .hasMessageContaining("neither root nor Stillpoint's own user");
        Files.setOwner(tool, users.lookupPrincipalByName("root"));
        Files.setOwner(bin, users.lookupPrincipalByName("nobody"));
        assertThatThrownBy(() -> allowed.vet(tool.toString())).isInstanceOf(UntrustedExecutableException.class)
                .hasMessageContaining("the folder " + bin);
    }

    @Test
    void aFileThatIsNotAnExecutableProgramIsRefused() throws Exception {
        Path data = Files.writeString(bin.resolve("data"), "not a program");
        TrustedExecutables allowed = new TrustedExecutables(List.of(data.toString(), bin.toString()), "test.tools");

        assertThatThrownBy(() -> allowed.vet(data.toString())).isInstanceOf(UntrustedExecutableException.class)
                .hasMessageContaining("is not executable");
        assertThatThrownBy(() -> allowed.vet(bin.toString())).isInstanceOf(UntrustedExecutableException.class)
                .hasMessageContaining("is not a regular file");
    }

    private static Path script(Path file) throws IOException {
        Files.writeString(file, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }
}
