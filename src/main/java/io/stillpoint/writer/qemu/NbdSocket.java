package io.stillpoint.writer.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where QEMU's NBD server listens while a bitmap is read: {@code nbd.sock} in the run's work folder. A
 * unix socket's path must fit in 107 bytes; when the work folder's path is longer, the socket goes into
 * a new private folder (mode 0700, random name) under the system's temp folder instead, removed after.
 * qemu-img connects by the relative name from the socket's folder.
 */
record NbdSocket(Path directory, boolean temporary) {

    /** Longest socket path QEMU can bind: {@code sun_path} holds 108 bytes with the terminating NUL. */
    static final int MAX_PATH = 107;

    static final String NAME = "nbd.sock";

    static NbdSocket in(Path workDir) throws IOException {
        Path dir = workDir.toAbsolutePath();
        if (dir.resolve(NAME).toString().getBytes(StandardCharsets.UTF_8).length <= NbdSocket.MAX_PATH) {
            Files.createDirectories(dir);
            return new NbdSocket(dir, false);
        }
        return new NbdSocket(Files.createTempDirectory("sp-nbd-"), true);
    }

    Path path() {
        return directory.resolve(NAME);
    }

    String relative() {
        return NAME;
    }

    void delete() throws IOException {
        Files.deleteIfExists(path());
        if (temporary) {
            Files.deleteIfExists(directory);
        }
    }
}
