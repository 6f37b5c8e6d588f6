package io.stillpoint.writer.hypervvss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The scripts diskshadow gets on a Windows host, and the path model behind them, with Windows paths as
 * Hyper-V reports them and with POSIX paths as the stand-in reports them.
 */
class HyperVScriptsTest {

    private static final String SHADOWS = "C:\\ProgramData\\Stillpoint\\hyperv-shadows\\6f1c0b7e-1d2a-4c55-9a57-0d6c1f3e9b21";

    @Test
    void oneVolume() throws IOException {
        VmLayout vm = layout("D:\\Hyper-V\\web01", List.of("D:\\Hyper-V\\web01\\Virtual Hard Disks\\system.vhdx"));
        assertThat(vm.layout().volumes()).extracting(VolumePaths.Volume::name).containsExactly("D:");
        assertThat(vm.layout().grafts()).isEmpty();
        assertThat(render(vm)).isEqualTo(expected("one-volume-windows.dsh"));
    }

    @Test
    void configurationOnOneVolumeDisksOnAnother() throws IOException {
        VmLayout vm = layout("C:\\Hyper-V\\db01",
                List.of("E:\\Disks\\db01\\system.vhdx", "E:\\Disks\\db01\\data.vhdx"));
        assertThat(vm.layout().volumes()).extracting(VolumePaths.Volume::name).containsExactly("C:", "E:");
        assertThat(vm.layout().grafts()).containsExactly(Map.entry("Volumes/E/Disks/db01", "E:\\Disks\\db01"));
        assertThat(render(vm)).isEqualTo(expected("two-volumes-windows.dsh"));
    }

    @Test
    void theHoldScriptWaitsForTheReleaseFileAndGivesUpAfterTheMaximumExposure() {
        assertThat(DiskShadowScript.holdScript(SHADOWS + "\\release", Duration.ofHours(24))).isEqualTo("@echo off\r\n"
                + "rem Keeps this diskshadow session open until Stillpoint has copied the exposed shadow copies.\r\n"
                + "set waited=0\r\n"
                + ":wait\r\n"
                + "if exist \"" + SHADOWS + "\\release\" exit /b 0\r\n"
                + "if %waited% geq 86400 exit /b 1\r\n"
                + "\"%SystemRoot%\\System32\\ping.exe\" -n 2 127.0.0.1 >nul\r\n"
                + "set /a waited+=1\r\n"
                + "goto wait\r\n");
    }

    @Test
    void aPathWithABlankIsRefusedRatherThanCut() {
        assertThatThrownBy(() -> DiskShadowScript.render("C:\\Users\\Jane Doe\\work\\backup.cab", List.of(), "x.cmd"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("contains a blank");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "D:\\Hyper-V\\vm1\\disk.vhdx          |                              | D:                            | Hyper-V/vm1/disk.vhdx",
        "d:/Hyper-V/vm1/disk.vhdx             |                              | D:                            | Hyper-V/vm1/disk.vhdx",
        "C:\\ClusterStorage\\Volume1\\vm1\\a.vhdx | C:\\ClusterStorage\\Volume1 | C:\\ClusterStorage\\Volume1\\ | vm1/a.vhdx",
        "c:\\clusterstorage\\volume1\\vm1\\a.vhdx | C:\\ClusterStorage\\Volume1 | C:\\ClusterStorage\\Volume1\\ | vm1/a.vhdx",
        "C:\\ClusterStorage\\Volume10\\a.vhdx | C:\\ClusterStorage\\Volume1    | C:                            | ClusterStorage/Volume10/a.vhdx",
        "/srv/volumes/D/Hyper-V/vm1/disk.vhdx | /srv/volumes/C,/srv/volumes/D | /srv/volumes/D                | Hyper-V/vm1/disk.vhdx",
        "/srv/volumes/D2/vm1/disk.vhdx        | /srv/volumes/D,/srv/volumes/D2 | /srv/volumes/D2             | vm1/disk.vhdx"})
    void volumeAndPlaceInTheShadowCopy(String path, String mountFolders, String volume, String within) {
        VolumePaths paths = new VolumePaths(mountFolders == null ? List.of() : List.of(mountFolders.split(",")));
        VolumePaths.Volume found = paths.volumeOf(path);
        assertThat(found.name()).isEqualTo(volume);
        assertThat(String.join("/", VolumePaths.within(found, path))).isEqualTo(within);
        assertThat(VolumePaths.exposed(Path.of("/mnt/A"), found, path)).isEqualTo(Path.of("/mnt/A").resolve(within));
    }

    @Test
    void pathsNoVolumeCanHoldAreRefused() {
        VolumePaths paths = new VolumePaths(List.of("/srv/volumes/C"));
        assertThatThrownBy(() -> paths.volumeOf("\\\\filer\\vms\\vm1\\disk.vhdx"))
                .hasMessageContaining("network share");
        assertThatThrownBy(() -> paths.volumeOf("/elsewhere/vm1/disk.vhdx"))
                .hasMessageContaining("name its volume's mount folder in the host setting 'volumes'");
    }

    private record VmLayout(HyperVVssWriter.Layout layout) {}

    private static VmLayout layout(String directory, List<String> disks) {
        GuestInfo guest = new GuestInfo("2b91feb3-f1e0-4fff-b8be-29ced892a95a", "vm", GuestState.RUNNING, true, 0, "",
                Path.of(directory), disks.stream().map(Path::of).toList());
        return new VmLayout(HyperVVssWriter.Layout.of(guest, new VolumePaths(List.of())));
    }

    /** As the writer renders it on Windows, where its folders are Windows paths. */
    private static String render(VmLayout vm) {
        List<DiskShadowScript.Shadow> shadows = new ArrayList<>();
        char alias = 'A';
        for (VolumePaths.Volume volume : vm.layout().volumes()) {
            shadows.add(new DiskShadowScript.Shadow(volume.name(), String.valueOf(alias), SHADOWS + "\\" + alias));
            alias++;
        }
        return DiskShadowScript.render("C:\\ProgramData\\Stillpoint\\work\\9a1e\\backup.cab", shadows,
                SHADOWS + "\\hold.cmd");
    }

    private static String expected(String name) throws IOException {
        try (var in = Objects.requireNonNull(HyperVScriptsTest.class.getResourceAsStream("/hyperv/" + name), name)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }
}
