package io.stillpoint.host.hyperv;

import static org.assertj.core.api.Assertions.assertThat;

import io.stillpoint.host.GuestHold;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.HypervisorContract;
import io.stillpoint.testing.hyperv.StandInWorld;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
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

    /** The service's name is translated on a German or French host; its id is not. */
    @Test
    void findsTheBackupServiceByItsIdWhateverItsName() throws Exception {
        world.localizeBackupService(quiescing, "Sicherung (Volumeschattenkopie)");
        world.localizeBackupService(nonQuiescing, "Sauvegarde (clich\u00e9 instantan\u00e9 de volume)");

        assertThat(host.guest(quiescing).canQuiesce()).isTrue();
        assertThat(host.guest(nonQuiescing).canQuiesce()).as("its guest does not answer, whatever the name").isFalse();
        try (GuestHold hold = host.hold(quiescing, HoldMode.FREEZE)) {
            assertThat(hold.mode()).isEqualTo(HoldMode.FREEZE);
        }
        assertThat(world.state(quiescing)).isEqualTo("Running");
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
