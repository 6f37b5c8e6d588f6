package io.stillpoint.writer.hypervvss;

import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.hyperv.HyperVConfig;
import io.stillpoint.host.hyperv.HyperVHypervisor;
import io.stillpoint.testing.hyperv.StandInWorld;
import io.stillpoint.writer.SnapshotWriter;
import io.stillpoint.writer.SnapshotWriterContract;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The Hyper-V VSS writer against the stand-in diskshadow, on a VM whose files are all on one volume. */
class HyperVVssWriterTest extends SnapshotWriterContract {

    @TempDir
    Path dir;

    private StandInWorld world;
    private HyperVHypervisor host;
    private HyperVVssWriter writer;
    private String vm;

    @BeforeEach
    void setUp() throws Exception {
        world = new StandInWorld(dir);
        vm = world.addVm("win-app", true, "C", "C");
        HyperVConfig config = world.config(Duration.ofSeconds(20));
        host = world.host(config);
        writer = new HyperVVssWriter(config);
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
