package io.stillpoint.host.hyperv;

import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.HypervisorContract;
import io.stillpoint.testing.hyperv.StandInWorld;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The Hyper-V adapter against the stand-in PowerShell, each call a process of its own. */
class HyperVHypervisorTest extends HypervisorContract {

    @TempDir
    Path dir;

    private StandInWorld world;
    private HyperVHypervisor host;
    private String quiescing;
    private String nonQuiescing;

    @BeforeEach
    void setUp() throws Exception {
        world = new StandInWorld(dir);
        quiescing = world.addVm("win-app", true, "C", "C");
        nonQuiescing = world.addVm("old-linux", false, "C", "C");
        host = world.host(world.config(Duration.ofSeconds(20)));
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
    protected String quiescingGuest() {
        return quiescing;
    }

    @Override
    protected String nonQuiescingGuest() {
        return nonQuiescing;
    }
}
