package io.stillpoint.writer.hypervvss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.InvalidHostSettingsException;
import io.stillpoint.host.hyperv.HyperVConfig;
import io.stillpoint.host.hyperv.HyperVHypervisorFactory;
import io.stillpoint.testing.hyperv.StandInWorld;
import io.stillpoint.writer.WriterAvailability;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Away from Windows, both adapters say so unless their tools are named by absolute path. */
class HyperVAvailabilityTest {

    @TempDir
    Path dir;

    @BeforeEach
    void notOnWindows() {
        assumeFalse(HyperVHypervisorFactory.isWindows(), "these are the rules of a server that is not Windows");
    }

    @Test
    void theWriterIsUnavailableWithTheReasonAndItsWriterId() {
        WriterAvailability availability = new HyperVVssWriter(defaults()).availability();
        assertThat(availability.available()).isFalse();
        assertThat(availability.reason()).isEqualTo("Hyper-V VSS is only available on a Windows host");
        assertThat(availability.details()).containsEntry("writerId", "{66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}");
    }

    @Test
    void aHyperVHostIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> new HyperVHypervisorFactory(defaults()).create("hv1", Map.of()))
                .isInstanceOf(InvalidHostSettingsException.class)
                .hasMessageContaining("powershell: Hyper-V is only available on a Windows host")
                .extracting(e -> ((InvalidHostSettingsException) e).field()).isEqualTo("powershell");
    }

    @Test
    void toolsNamedByAbsolutePathMakeBothAvailable() throws Exception {
        try (StandInWorld world = new StandInWorld(dir)) {
            HyperVConfig config = world.config(Duration.ofSeconds(5));
            assertThat(new HyperVVssWriter(config).availability().available()).isTrue();
            assertThat(new HyperVHypervisorFactory(config).create("hv1", Map.of()).kind()).isEqualTo("hyperv");
        }
    }

    @Test
    void aRemoteHostRunsItsOwnDiskshadowSoTheWriterIsAvailableForItAlone() throws Exception {
        try (StandInWorld world = new StandInWorld(dir)) {
            String powershell = world.config(Duration.ofSeconds(5)).powershell();
            HyperVHypervisorFactory factory = new HyperVHypervisorFactory(defaults(powershell));
            Hypervisor remote = factory.create("hv-remote", Map.of(HyperVHypervisorFactory.POWERSHELL, powershell,
                    HyperVHypervisorFactory.REMOTE, "Invoke-Command -ComputerName HV01"));
            Hypervisor local = factory.create("hv-local", Map.of(HyperVHypervisorFactory.POWERSHELL, powershell));
            HyperVVssWriter writer = new HyperVVssWriter(defaults());

            assertThat(writer.availability().available()).isFalse();
            WriterAvailability forRemote = writer.availabilityFor(remote);
            assertThat(forRemote.available()).isTrue();
            assertThat(forRemote.details()).containsEntry("runsOn", "host 'hv-remote', through Invoke-Command -ComputerName 'HV01'");
            WriterAvailability forLocal = writer.availabilityFor(local);
            assertThat(forLocal.available()).isFalse();
            assertThat(forLocal.reason()).isEqualTo("Hyper-V VSS is only available on a Windows host");
        }
    }

    /**
     * The defaults of {@link HyperVConfig}, as a server that configured nothing runs with, but for the
     * further executables it allows host settings to name.
     */
    private static HyperVConfig defaults(String... allowed) {
        return new HyperVConfig() {
            @Override
            public String powershell() {
                return "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe";
            }

            @Override
            public String diskshadow() {
                return "C:\\Windows\\System32\\diskshadow.exe";
            }

            @Override
            public Optional<List<String>> allowedExecutables() {
                return Optional.of(List.of(allowed));
            }

            @Override
            public String mountRoot() {
                return "/var/lib/stillpoint/hyperv-shadows";
            }

            @Override
            public Duration commandTimeout() {
                return Duration.ofSeconds(60);
            }

            @Override
            public Duration importTimeout() {
                return Duration.ofSeconds(20);
            }

            @Override
            public Duration saveTimeout() {
                return Duration.ofSeconds(120);
            }

            @Override
            public Duration snapshotTimeout() {
                return Duration.ofSeconds(180);
            }

            @Override
            public Duration releaseTimeout() {
                return Duration.ofSeconds(120);
            }

            @Override
            public Duration maxExposure() {
                return Duration.ofHours(24);
            }
        };
    }
}
