package io.stillpoint.writer.hypervvss;

import static org.assertj.core.api.Assertions.assertThat;

import io.stillpoint.host.GuestHold;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.hyperv.HyperVConfig;
import io.stillpoint.host.hyperv.HyperVHypervisor;
import io.stillpoint.testing.hyperv.StandInWorld;
import io.stillpoint.writer.PreparedSnapshot;
import io.stillpoint.writer.Snapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a server that died with a snapshot open finds at its next start, and how recovery cleans it up. */
class HyperVRecoveryTest {

    @TempDir
    Path dir;
    @TempDir
    Path workDir;

    private StandInWorld world;
    private HyperVConfig config;
    private HyperVHypervisor host;
    private String vm;

    @BeforeEach
    void setUp() throws Exception {
        world = new StandInWorld(dir);
        vm = world.addVm("db01", false, "C", "D");
        config = world.config(Duration.ofSeconds(20), Duration.ofSeconds(15));
        host = world.host(config);
    }

    @AfterEach
    void tearDown() throws Exception {
        world.close();
    }

    @Test
    void aDiskshadowThatOutlivedTheServerIsLetFinishItsOwnScript() throws Exception {
        abandonedSnapshot();
        new HyperVVssWriter(config).recover(host);
        assertThat(world.calls()).contains("diskshadow end backup", "diskshadow delete shadows set %VSS_SHADOW_SET%");
        assertThat(world.shadows()).isEmpty();
        assertThat(world.mountRoot()).isEmptyDirectory();
    }

    @Test
    void shadowCopiesWhoseDiskshadowDiedTooAreDeletedByMountFolder() throws Exception {
        abandonedSnapshot();
        ProcessHandle.current().descendants()
                .filter(p -> p.info().arguments().map(a -> Arrays.asList(a).contains(
                        "io.stillpoint.testing.hyperv.StandInDiskShadow")).orElse(false))
                .forEach(p -> {
                    p.destroyForcibly();
                    p.onExit().join();
                });
        assertThat(world.shadows()).hasSize(2);
        new HyperVVssWriter(config).recover(host);
        assertThat(world.calls()).noneMatch(c -> c.equals("diskshadow end backup"))
                .anyMatch(c -> c.startsWith("diskshadow delete shadows exposed "));
        assertThat(world.shadows()).isEmpty();
        assertThat(world.mountRoot()).isEmptyDirectory();
    }

    /** A snapshot taken and never closed, as a server killed during the copy leaves it. */
    private void abandonedSnapshot() {
        HyperVVssWriter writer = new HyperVVssWriter(config);
        try (PreparedSnapshot prepared = writer.prepare(host, host.guest(vm), workDir);
                GuestHold hold = host.hold(vm, HoldMode.PAUSE)) {
            Snapshot snapshot = prepared.create();
            assertThat(snapshot.view().root()).isDirectory();
        }
    }
}
