package io.stillpoint.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LoopFileSystemTest {

    @ParameterizedTest
    @EnumSource(LoopFileSystem.Type.class)
    void mountsAFileSystemOfTheTypeAndRemovesEverythingOnClose(LoopFileSystem.Type type) throws Exception {
        Path mountPoint;
        String device;
        try (LoopFileSystem fs = LoopFileSystem.create(type, 300L << 20)) {
            mountPoint = fs.mountPoint();
            device = fs.device();
            String fsType = Files.getFileStore(mountPoint).type();
            assertEquals(type.name().toLowerCase(Locale.ROOT), fsType);
            Files.writeString(mountPoint.resolve("probe"), "written on " + type);
            assertEquals("written on " + type, Files.readString(mountPoint.resolve("probe")));
        }
        assertFalse(Files.exists(mountPoint), "mount folder removed");
        assertFalse(Files.exists(mountPoint.getParent()), "image folder removed");
        String attached = new String(new ProcessBuilder(List.of("/usr/sbin/losetup", "-a")).start()
                .getInputStream().readAllBytes());
        assertTrue(attached.lines().noneMatch(line -> line.startsWith(device + ":")), attached);
    }
}
