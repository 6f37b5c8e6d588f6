package io.stillpoint.host.hyperv;

import static org.assertj.core.api.Assertions.assertThat;

import io.stillpoint.testing.hyperv.StandInWorld;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The folder a Hyper-V host keeps on this server, which no repository may overlap, read from its settings alone. */
class HyperVFoldersTest {

    @TempDir
    Path dir;

    @Test
    void theShadowMountFolderCountsWhereThisServerReachesIt() throws Exception {
        assertThat(folders(null, "/srv/shadows", null)).containsExactly(Path.of("/srv/shadows"));
        assertThat(folders("Invoke-Command -ComputerName HV01", "D:\\Shadows", "/mnt/hv01/shadows"))
                .containsExactly(Path.of("/mnt/hv01/shadows"));
        assertThat(folders("Invoke-Command -ComputerName HV01", "D:\\Shadows", null)).isEmpty();
    }

    @Test
    void aHostThatCannotBeOpenedHereStillNamesItsFolder() throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of("mountRoot", "/srv/shadows",
                "powershell", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"));
        assertThat(new HyperVHypervisorFactory(config()).folders("hv", settings))
                .containsExactly(Path.of("/srv/shadows"));
    }

    private HyperVConfig config() throws java.io.IOException {
        return new StandInWorld(dir.resolve("standin")).config(Duration.ofSeconds(5));
    }

    private java.util.List<Path> folders(String remote, String mountRoot, String fromServer) throws java.io.IOException {
        Map<String, String> settings = new HashMap<>();
        settings.put("mountRoot", mountRoot);
        if (remote != null) {
            settings.put("remote", remote);
        }
        if (fromServer != null) {
            settings.put("mountRootFromServer", fromServer);
        }
        return new HyperVHypervisorFactory(config()).folders("hv", settings);
    }
}
