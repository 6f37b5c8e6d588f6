package io.stillpoint.writer.hypervvss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stillpoint.host.GuestHold;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestNotFoundException;
import io.stillpoint.host.GuestState;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.HostException;
import io.stillpoint.host.hyperv.HyperVConfig;
import io.stillpoint.host.hyperv.HyperVHypervisor;
import io.stillpoint.testing.hyperv.StandInWorld;
import io.stillpoint.writer.PreparedSnapshot;
import io.stillpoint.writer.Snapshot;
import io.stillpoint.writer.SnapshotException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each failure of the Hyper-V recipe, driven the way the backup pipeline drives it: prepare, hold,
 * create, let the guest go, copy, close.
 */
class HyperVFailureTest {

    @TempDir
    Path dir;
    @TempDir
    Path workDir;

    private StandInWorld world;
    private HyperVConfig config;
    private HyperVHypervisor host;
    private HyperVVssWriter writer;
    private String vm;

    @BeforeEach
    void setUp() throws Exception {
        world = new StandInWorld(dir);
        vm = world.addVm("old-linux", false, "C", "C");
        config = world.config(Duration.ofMillis(1500));
        host = world.host(config);
        writer = new HyperVVssWriter(config);
    }

    @AfterEach
    void tearDown() throws Exception {
        world.close();
    }

    @ParameterizedTest
    @CsvSource({
        "writer-missing, writer verify, VSS_E_OBJECT_NOT_FOUND",
        "storage-full, create, VSS_E_INSUFFICIENT_STORAGE",
        "volume-not-supported, add volume, VSS_E_VOLUME_NOT_SUPPORTED",
        "mount-in-use, expose, The directory is not empty."})
    void aFailedCreateSaysWhatDiskshadowSaidResumesTheGuestAndLeavesNoShadow(String fault, String command,
            String said) throws Exception {
        world.fault(fault);
        assertThatThrownBy(() -> snapshotAsThePipelineDoes(HoldMode.SAVE_STATE))
                .isInstanceOf(SnapshotException.class)
                .hasMessageContaining("old-linux")
                .hasMessageContaining("diskshadow exited 1 at '" + command)
                .hasMessageContaining(said);
        assertThat(world.state(vm)).isEqualTo("Running");
        assertThat(world.shadows()).isEmpty();
        assertThat(world.mountRoot()).isEmptyDirectory();
    }

    @Test
    void exposeFailingAfterCreateDeletesTheShadowCopiesItMade() throws Exception {
        world.fault("mount-in-use");
        assertThatThrownBy(() -> snapshotAsThePipelineDoes(HoldMode.PAUSE)).isInstanceOf(SnapshotException.class);
        assertThat(world.calls()).anyMatch(c -> c.startsWith("diskshadow create"))
                .anyMatch(c -> c.startsWith("diskshadow delete shadows id {"));
        assertThat(world.shadows()).isEmpty();
    }

    @Test
    void aCopyFailingAfterExposeStillUnexposesEndsTheBackupAndDeletesTheShadows() throws Exception {
        Snapshot snapshot = snapshotAsThePipelineDoes(HoldMode.PAUSE);
        Path root = snapshot.view().root();
        assertThatThrownBy(() -> {
            try (snapshot) {
                assertThat(root).isDirectory();
                throw new IOException("repository full");
            }
        }).isInstanceOf(IOException.class);
        assertThat(world.calls()).containsSubsequence(
                "diskshadow unexpose " + world.mountRoot().resolve(snapshotFolder(0)).resolve("A"),
                "diskshadow end backup",
                "diskshadow delete shadows set %VSS_SHADOW_SET%");
        assertThat(world.shadows()).isEmpty();
        assertThat(root).doesNotExist();
        assertThat(world.mountRoot()).isEmptyDirectory();
    }

    @Test
    void aFailedEndBackupFailsTheReleaseButStillDeletesTheShadows() throws Exception {
        Snapshot snapshot = snapshotAsThePipelineDoes(HoldMode.PAUSE);
        world.fault("end-backup-fails");
        assertThatThrownBy(snapshot::close).isInstanceOf(SnapshotException.class)
                .hasMessageContaining("at 'end backup'")
                .hasMessageContaining("did not get BackupComplete");
        assertThat(world.shadows()).isEmpty();
        assertThat(world.mountRoot()).isEmptyDirectory();
        snapshot.close();
    }

    @Test
    void saveVmPastItsDeadlineLeavesTheGuestRunning() throws Exception {
        world.fault("save-vm-hangs");
        assertThatThrownBy(() -> host.hold(vm, HoldMode.SAVE_STATE)).isInstanceOf(HostException.class)
                .hasMessageContaining("Save-VM of VM 'old-linux' did not finish within PT1.5S")
                .hasMessageContaining("is RUNNING");
        assertThat(world.state(vm)).isEqualTo("Running");
    }

    @Test
    void saveVmThatFinishesAfterItsDeadlineIsStartedAgain() throws Exception {
        world.fault("save-vm-slow");
        assertThatThrownBy(() -> host.hold(vm, HoldMode.SAVE_STATE)).isInstanceOf(HostException.class)
                .hasMessageContaining("is RUNNING");
        assertThat(world.state(vm)).isEqualTo("Running");
        assertThat(world.calls()).contains("powershell Start-VM " + vm);
    }

    @Test
    void aVmRemovedBeforeTheHoldIsAClearError() throws Exception {
        PreparedSnapshot prepared = writer.prepare(host, host.guest(vm), workDir);
        world.removeVm(vm);
        assertThatThrownBy(() -> host.hold(vm, HoldMode.PAUSE)).isInstanceOf(GuestNotFoundException.class)
                .hasMessage("guest '" + vm + "' does not exist on host 'hv-standin'");
        prepared.close();
        assertThat(world.mountRoot()).isEmptyDirectory();
    }

    @Test
    void aVmRemovedWhileHeldIsAClearErrorOnResume() throws Exception {
        GuestHold hold = host.hold(vm, HoldMode.PAUSE);
        world.removeVm(vm);
        assertThatThrownBy(hold::close).isInstanceOf(GuestNotFoundException.class).hasMessageContaining(vm);
        assertThatThrownBy(() -> writer.prepare(host, new GuestInfo(vm, "old-linux", GuestState.RUNNING, false, 0,
                "", Path.of("/nowhere"), List.of()), workDir))
                .isInstanceOf(SnapshotException.class)
                .hasMessageContaining("does not exist on host 'hv-standin'");
    }

    @Test
    void aVmWhoseStorageIsUnreachableIsNotHeld() {
        world.setState(vm, "RunningCritical");
        assertThatThrownBy(() -> host.hold(vm, HoldMode.PAUSE)).isInstanceOf(HostException.class)
                .hasMessageContaining("RunningCritical").hasMessageContaining("cannot reach its storage");
        assertThat(world.state(vm)).isEqualTo("RunningCritical");
    }

    @Test
    void aRemovedVmIsRegisteredAgainInPlaceOnReload() throws Exception {
        host.stop(vm);
        world.removeVm(vm);
        host.reload(vm);
        assertThat(host.guest(vm).state()).isEqualTo(GuestState.OFF);
        assertThat(world.calls()).contains("powershell Import-VM " + vm);
    }

    /** The pipeline's order: the guest is let go whatever create() does, then the prepared snapshot closes. */
    private Snapshot snapshotAsThePipelineDoes(HoldMode mode) {
        try (PreparedSnapshot prepared = writer.prepare(host, host.guest(vm), workDir)) {
            GuestHold hold = host.hold(vm, mode);
            try {
                return prepared.create();
            } finally {
                hold.close();
            }
        }
    }

    private String snapshotFolder(int index) throws IOException {
        List<String> scripts = world.scripts();
        String script = scripts.get(index);
        String line = script.lines().filter(l -> l.startsWith("expose %A% ")).findFirst().orElseThrow();
        Path mount = Path.of(line.substring("expose %A% ".length()));
        return mount.getParent().getFileName().toString();
    }
}
