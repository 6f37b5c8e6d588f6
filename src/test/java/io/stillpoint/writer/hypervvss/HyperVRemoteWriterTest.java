package io.stillpoint.writer.hypervvss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stillpoint.host.GuestHold;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.hyperv.HyperVHypervisorFactory;
import io.stillpoint.testing.hyperv.StandInWorld;
import io.stillpoint.writer.PreparedSnapshot;
import io.stillpoint.writer.Snapshot;
import io.stillpoint.writer.SnapshotException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer for a host reached through a remote prefix: diskshadow runs there, started by PowerShell
 * through the prefix, with the paths the host knows; the server reaches the host's mount root under
 * another name ({@code mountRootFromServer}), here a symbolic link, so a path given to the wrong side
 * would not be found.
 */
class HyperVRemoteWriterTest extends HyperVVssWriterTest {

    static final String PREFIX = "Invoke-Command -ComputerName HV01";
    /** The prefix as Stillpoint writes it into scripts: each value checked, then quoted. */
    static final String WRITTEN = "Invoke-Command -ComputerName 'HV01'";

    @TempDir
    Path workDir;

    private Path serverView;

    @Override
    Map<String, String> hostSettings() throws IOException {
        serverView = Files.createSymbolicLink(dir.resolve("server-view"), world.mountRoot());
        return Map.of(HyperVHypervisorFactory.REMOTE, PREFIX,
                HyperVHypervisorFactory.MOUNT_ROOT_FROM_SERVER, serverView.toString());
    }

    private Snapshot snapshot() {
        try (PreparedSnapshot prepared = writer.prepare(host, host.guest(vm), workDir)) {
            try (GuestHold hold = host.hold(vm, HoldMode.PAUSE)) {
                return prepared.create();
            }
        }
    }

    @Test
    void diskshadowRunsOnTheHostThroughThePrefixWithTheHostsPaths() throws Exception {
        Snapshot snapshot = snapshot();
        String id = snapshot.view().root().subpath(serverView.getNameCount(), serverView.getNameCount() + 1).toString();

        assertThat(snapshot.view().root()).startsWith(serverView);
        assertThat(Files.mismatch(snapshot.view().root().resolve("Virtual Machines/" + vm + ".vmcx"),
                Path.of(host.guest(vm).directory().toString(), "Virtual Machines", vm + ".vmcx"))).isEqualTo(-1);
        assertThat(snapshot.view().metadata().get(HyperVVssWriter.METADATA)).isEqualTo(workDir.resolve("backup.cab"))
                .isRegularFile();
        Path hostFolder = world.mountRoot().resolve(id);
        assertThat(world.calls()).contains("powershell " + WRITTEN + " diskshadow /s " + hostFolder.resolve("snapshot.dsh"));
        String script = world.scripts().get(0);
        assertThat(script).contains("set metadata " + hostFolder.resolve("backup.cab"),
                "expose %A% " + hostFolder.resolve("A"), "exec " + hostFolder.resolve("hold.cmd"))
                .doesNotContain(serverView.toString());

        snapshot.close();

        assertThat(world.shadows()).isEmpty();
        assertThat(world.mountRoot()).isEmptyDirectory();
        assertThat(world.calls()).containsSubsequence("diskshadow end backup", "diskshadow delete shadows set %VSS_SHADOW_SET%");
    }

    @Test
    void aFailureOnTheHostReportsDiskshadowsExitCodeAndReason() throws Exception {
        world.fault("writer-missing");

        assertThatThrownBy(this::snapshot).isInstanceOf(SnapshotException.class)
                .hasMessageContaining("diskshadow exited 1")
                .hasMessageContaining("at 'writer verify " + StandInWorld.WRITER_ID + "'")
                .message().doesNotContain(DiskShadowSession.EXIT_MARKER);
        assertThat(world.shadows()).isEmpty();
        assertThat(world.mountRoot()).isEmptyDirectory();
        assertThat(world.state(vm)).isEqualTo("Running");
    }

    @Test
    void recoveryReleasesAndDeletesWhatADeadServerLeftOnTheHost() throws Exception {
        Snapshot abandoned = snapshot();
        assertThat(world.shadows()).hasSize(1);

        writer.recover(host);

        assertThat(world.shadows()).isEmpty();
        assertThat(world.mountRoot()).isEmptyDirectory();
        assertThat(List.of(abandoned.view().root())).allSatisfy(root -> assertThat(root).doesNotExist());
    }
}
