package io.stillpoint.writer.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import io.stillpoint.writer.WriterAvailability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** qemu-img is the configured absolute path, vetted before it runs; never a PATH lookup. */
class QemuImgTest {

    @TempDir
    Path dir;

    @Test
    void theConfiguredQemuImgRuns() {
        WriterAvailability availability = new QemuSnapshotWriter("/usr/bin/qemu-img").availability();

        assertThat(availability.available()).isTrue();
        assertThat(availability.details().get("qemu-img")).startsWith("qemu-img version");
    }

    @Test
    void aQemuImgFoundOnThePathIsNotRun() {
        WriterAvailability availability = new QemuSnapshotWriter("qemu-img").availability();

        assertThat(availability.available()).isFalse();
        assertThat(availability.reason()).contains("'qemu-img' must be an absolute path");
    }

    @Test
    void aQemuImgOthersCanChangeIsNotRun() throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path marker = dir.resolve("ran");
        Path planted = dir.resolve("qemu-img");
        Files.writeString(planted, "#!/bin/sh\ntouch '" + marker + "'\necho 'qemu-img version 9'\n");
        Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwxrwxrwx"));

        WriterAvailability availability = new QemuSnapshotWriter(planted.toString()).availability();

        assertThat(availability.available()).isFalse();
        assertThat(availability.reason()).contains("writable by its group or others");
        assertThat(marker).doesNotExist();
    }
}
