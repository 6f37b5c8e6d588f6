package io.stillpoint.writer.hypervvss;

import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.hyperv.HyperVConfig;
import io.stillpoint.host.hyperv.HyperVHypervisor;
import io.stillpoint.testing.hyperv.StandInWorld;
import io.stillpoint.writer.SnapshotWriter;
import io.stillpoint.writer.SnapshotWriterContract;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The Hyper-V VSS writer against the stand-in diskshadow, on a VM whose files are all on one volume. */
class HyperVVssWriterTest extends SnapshotWriterContract {

    @TempDir
    Path dir;

    StandInWorld world;
    HyperVHypervisor host;
    HyperVVssWriter writer;
    String vm;

    @BeforeEach
    void setUp() throws Exception {
        world = new StandInWorld(dir);
        vm = world.addVm("win-app", true, "C", "C");
        HyperVConfig config = world.config(Duration.ofSeconds(20));
        host = world.host(config, hostSettings());
        writer = new HyperVVssWriter(config);
    }

    /** Host settings on top of the stand-in world's; none for a host Stillpoint runs on. */
    Map<String, String> hostSettings() throws IOException {
        return Map.of();
    }

    @AfterEach
    void tearDown() throws Exception {
        world.close();
    }

    @Override
    protected Hypervisor hypervisor() {
        return host;
    }

    @Override
    protected SnapshotWriter writer() {
        return writer;
    }

    @Override
    protected GuestInfo guest() {
        return host.guest(vm);
    }
}
