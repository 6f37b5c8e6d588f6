package io.stillpoint.host.hyperv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.InvalidHostSettingsException;
import io.stillpoint.testing.hyperv.StandInWorld;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Hyper-V host's {@code powershell} and {@code diskshadow} settings come through the API; the server
 * runs only what its own configuration allows, and only while no one else can change it.
 */
class HyperVExecutablesTest {

    @TempDir
    Path dir;

    private StandInWorld world;
    private HyperVConfig config;
    private Path planted;
    private Path marker;

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue(TrustedExecutables.ownUid() == 0, "the owner cases need root");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        world = new StandInWorld(dir.resolve("standin"));
        config = world.config(Duration.ofSeconds(20));
        Path other = Files.createDirectories(dir.resolve("other"));
        marker = other.resolve("ran");
        planted = other.resolve("pwsh");
        Files.writeString(planted, "#!/bin/sh\ntouch '" + marker + "'\necho '[]'\n");
        Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (world != null) {
            world.close();
        }
    }

    private HyperVConfig allowing(String... further) {
        HyperVConfig base = config;
        return new HyperVConfig() {
            @Override
            public String powershell() {
                return base.powershell();
            }

            @Override
            public String diskshadow() {
                return base.diskshadow();
            }

            @Override
            public Optional<List<String>> allowedExecutables() {
                return Optional.of(List.of(further));
            }

            @Override
            public String mountRoot() {
                return base.mountRoot();
            }

            @Override
            public Duration commandTimeout() {
                return base.commandTimeout();
            }

            @Override
            public Duration importTimeout() {
                return base.importTimeout();
            }

            @Override
            public Duration saveTimeout() {
                return base.saveTimeout();
            }

            @Override
            public Duration snapshotTimeout() {
                return base.snapshotTimeout();
            }

            @Override
            public Duration releaseTimeout() {
                return base.releaseTimeout();
            }

            @Override
            public Duration maxExposure() {
                return base.maxExposure();
            }
        };
    }

    @Test
    void aPowerShellTheConfigurationDoesNotListIsRefusedAndNeverRun() {
        assertThatThrownBy(() -> new HyperVHypervisorFactory(config).create("hv", Map.of("powershell", planted.toString())))
                .isInstanceOfSatisfying(InvalidHostSettingsException.class,
                        e -> assertThat(e.field()).isEqualTo("powershell"))
                .hasMessageContaining("is not one of the executables the server's configuration allows");
        assertThat(marker).doesNotExist();
    }

    @Test
    void aListedPowerShellOthersCanChangeIsRefusedAndNeverRun() throws IOException {
        Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwxrwxrwx"));

        assertThatThrownBy(() -> new HyperVHypervisorFactory(allowing(planted.toString()))
                        .create("hv", Map.of("powershell", planted.toString())))
                .isInstanceOfSatisfying(InvalidHostSettingsException.class,
                        e -> assertThat(e.field()).isEqualTo("powershell"))
                .hasMessageContaining("writable by its group or others");
        assertThat(marker).doesNotExist();
    }

    @Test
    void aListedPowerShellOnlyRootCanChangeRunsAndIsCheckedAgainBeforeEachRun() throws IOException {
        HyperVHypervisor host = (HyperVHypervisor) new HyperVHypervisorFactory(allowing(planted.toString()))
                .create("hv", Map.of("powershell", planted.toString()));
        assertThat(host.guests()).extracting(GuestInfo::name).isEmpty();
        assertThat(marker).exists();
        Files.delete(marker);

        Files.setPosixFilePermissions(planted.getParent(), PosixFilePermissions.fromString("rwxrwxrwx"));

        assertThatThrownBy(host::guests).hasMessageContaining("PowerShell is not run")
                .hasMessageContaining("the folder " + planted.getParent());
        assertThat(marker).doesNotExist();
    }

    @Test
    void aBareNameAsHostsWereOnceCreatedWithPicksTheAllowedExecutableOfThatName() throws IOException {
        HyperVHypervisor host = (HyperVHypervisor) new HyperVHypervisorFactory(config).create("hv",
                Map.of("powershell", "powershell"));

        assertThat(host.settings().powershell()).isEqualTo(world.powershell().toRealPath());
        assertThatThrownBy(() -> new HyperVHypervisorFactory(config).create("hv", Map.of("powershell", "pwsh")))
                .isInstanceOfSatisfying(InvalidHostSettingsException.class,
                        e -> assertThat(e.field()).isEqualTo("powershell"))
                .hasMessageContaining("must be an absolute path");
        assertThat(marker).doesNotExist();
    }

    @Test
    void aDiskshadowTheConfigurationDoesNotListIsRefused() {
        assertThatThrownBy(() -> new HyperVHypervisorFactory(config).create("hv", Map.of("diskshadow", planted.toString())))
                .isInstanceOfSatisfying(InvalidHostSettingsException.class,
                        e -> assertThat(e.field()).isEqualTo("diskshadow"));
        assertThatThrownBy(() -> new HyperVHypervisorFactory(config).create("hv", Map.of("remote",
                        "Invoke-Command -ComputerName hv01", "diskshadow", "C:\\Users\\Public\\diskshadow.exe")))
                .isInstanceOfSatisfying(InvalidHostSettingsException.class,
                        e -> assertThat(e.field()).isEqualTo("diskshadow"));
        HyperVConfig windows = allowing("C:\\Windows\\System32\\diskshadow.exe");
        HyperVHypervisor remote = (HyperVHypervisor) new HyperVHypervisorFactory(windows).create("hv", Map.of("remote",
                "Invoke-Command -ComputerName hv01", "diskshadow", "c:/windows/system32/DISKSHADOW.EXE"));
        assertThat(remote.settings().diskshadow()).isEqualTo("c:/windows/system32/DISKSHADOW.EXE");
        assertThat(marker).doesNotExist();
    }

    @Test
    void aCredentialNeedsARemoteHost() {
        assertThatThrownBy(() -> new HyperVHypervisorFactory(config).create("hv", Map.of("remoteUser", "backup",
                        "remotePassword", "S3cret!")))
                .isInstanceOfSatisfying(InvalidHostSettingsException.class,
                        e -> assertThat(e.field()).isEqualTo("remoteUser"));
    }
}
