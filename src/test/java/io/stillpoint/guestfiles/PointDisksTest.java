package io.stillpoint.guestfiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stillpoint.copy.EntryType;
import io.stillpoint.repository.Manifest;
import io.stillpoint.repository.ManifestEntry;
import io.stillpoint.repository.ManifestVm;
import io.stillpoint.testing.QemuLab;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The format of each disk is said, never probed, and a qcow2 disk that would make the appliance open another
 * file (a backing file, an external data file) is refused before any appliance starts.
 */
class PointDisksTest {

    @TempDir
    Path point;

    static Manifest manifest(String hostType, String... files) {
        List<ManifestEntry> entries = new ArrayList<>();
        for (String file : files) {
            entries.add(new ManifestEntry("files/" + file, EntryType.FILE, 0, "00", null, "0644", "root", "root",
                    Instant.EPOCH, Instant.EPOCH, null, null, null));
        }
        return new Manifest(Manifest.FORMAT, UUID.randomUUID(), new ManifestVm(UUID.randomUUID(), "vm", "vm", "h",
                hostType, "Linux", 1, false), Instant.EPOCH, "pause", "crash", "qemu", "sha256", Map.of(), 0,
                entries.size(), entries);
    }

    private Path files() throws IOException {
        return Files.createDirectories(point.resolve("files"));
    }

    @Test
    void aRawDiskStaysRawWhateverItsGuestWroteIntoIt() throws IOException {
        Path files = files();
        QemuLab.exec(List.of("qemu-img", "create", "-q", "-f", "qcow2", files.resolve("looks-like.qcow2").toString(), "1M"));
        Files.copy(files.resolve("looks-like.qcow2"), files.resolve("disk1.raw"));
        Files.writeString(files.resolve("launch.json"), "{\"disks\": [{\"file\": \"${DIR}/data.qcow2\", \"format\": \"raw\"}]}");
        Files.copy(files.resolve("looks-like.qcow2"), files.resolve("data.qcow2"));

        List<PointDisks.Disk> disks = PointDisks.of(point, manifest("qemu", "disk1.raw", "data.qcow2", "launch.json"));

        assertThat(disks).extracting(PointDisks.Disk::name, PointDisks.Disk::format)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("disk1.raw", "raw"),
                        org.assertj.core.groups.Tuple.tuple("data.qcow2", "raw"));
    }

    @Test
    void aQcow2DiskWithABackingFileIsRefused() throws IOException {
        Path files = files();
        QemuLab.exec(List.of("qemu-img", "create", "-q", "-f", "raw", point.resolve("host-secret.raw").toString(), "1M"));
        QemuLab.exec(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", point.resolve("host-secret.raw").toString(),
                files.resolve("disk0.qcow2").toString()));

        assertThatThrownBy(() -> PointDisks.of(point, manifest("qemu", "disk0.qcow2")))
                .isInstanceOf(UnbrowsableException.class).hasMessageContaining("backing file");
    }

    @Test
    void aQcow2DiskWithAnExternalDataFileIsRefused() throws IOException {
        Path files = files();
        QemuLab.exec(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-o", "data_file=" + point.resolve("data.bin"),
                files.resolve("disk0.qcow2").toString(), "1M"));

        assertThatThrownBy(() -> PointDisks.of(point, manifest("qemu", "disk0.qcow2")))
                .isInstanceOf(UnbrowsableException.class).hasMessageContaining("external");
    }

    @Test
    void aSimulatedPointAndAPointWithoutADiskImageAreRefusedWithTheReason() throws IOException {
        Files.writeString(files().resolve("notes.txt"), "no disk");

        assertThatThrownBy(() -> PointDisks.of(point, manifest("simulated", "notes.txt")))
                .isInstanceOf(UnbrowsableException.class).hasMessageContaining("simulated host");
        assertThatThrownBy(() -> PointDisks.of(point, manifest("qemu", "notes.txt")))
                .isInstanceOf(UnbrowsableException.class).hasMessageContaining("no disk image");
    }

    @Test
    void aFileNamedVhdxThatIsNoVhdxIsRefused() throws IOException {
        Files.writeString(files().resolve("disk.vhdx"), "QFI\u00fb pretending");

        assertThatThrownBy(() -> PointDisks.of(point, manifest("hyperv", "disk.vhdx")))
                .isInstanceOf(UnbrowsableException.class).hasMessageContaining("no VHDX");
    }
}
