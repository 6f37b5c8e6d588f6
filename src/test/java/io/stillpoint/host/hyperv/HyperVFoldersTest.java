package io.stillpoint.host.hyperv;

import static org.assertj.core.api.Assertions.assertThat;

import io.stillpoint.fs.TrustedExecutables;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The folder a Hyper-V host keeps on this server, which no repository may overlap. */
class HyperVFoldersTest {

    @Test
    void theShadowMountFolderCountsWhereThisServerReachesIt() {
        assertThat(host(Optional.empty(), "/srv/shadows", Optional.empty()).folders())
                .containsExactly(Path.of("/srv/shadows"));
        assertThat(host(Optional.of("Invoke-Command -ComputerName HV01"), "D:\\Shadows", Optional.of("/mnt/hv01/shadows"))
                .folders()).containsExactly(Path.of("/mnt/hv01/shadows"));
        assertThat(host(Optional.of("Invoke-Command -ComputerName HV01"), "D:\\Shadows", Optional.empty()).folders())
                .isEmpty();
    }

    private static HyperVHypervisor host(Optional<String> remote, String mountRoot, Optional<String> fromServer) {
        Duration second = Duration.ofSeconds(1);
        Optional<HyperVRemote> session = remote.map(r -> HyperVRemote.parse(r, Optional.empty(), Optional.empty()));
        return new HyperVHypervisor("hv", new HyperVSettings(Path.of("/usr/bin/pwsh"), session, "diskshadow.exe",
                new TrustedExecutables(List.of(), "stillpoint.hyperv.allowed-executables"), mountRoot, fromServer,
                List.of(), second, second, second, second, second, second));
    }
}
