package io.stillpoint.writer.hypervvss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.stillpoint.host.GuestHold;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.hyperv.HyperVConfig;
import io.stillpoint.host.hyperv.HyperVHypervisor;
import io.stillpoint.testing.hyperv.StandInWorld;
import io.stillpoint.writer.PreparedSnapshot;
import io.stillpoint.writer.Snapshot;
import io.stillpoint.writer.SnapshotException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VM with its configuration on one volume and its disks on another: two shadow copies in one set, the
 * disks grafted into the view, and the exact scripts diskshadow was given.
 */
class HyperVTwoVolumesTest {

    @TempDir
    Path dir;
    @TempDir
    Path workDir;

    private StandInWorld world;
    private HyperVHypervisor host;
    private HyperVVssWriter writer;

    @BeforeEach
    void setUp() throws Exception {
        world = new StandInWorld(dir);
    }

    @AfterEach
    void tearDown() throws Exception {
        world.close();
    }

    @Test
    void configOnOneVolumeAndDisksOnAnotherAreBothShadowed() throws Exception {
        String vm = world.addVm("db01", false, "C", "D");
        start();
        GuestInfo guest = host.guest(vm);
        String graft = HyperVVssWriter.GRAFTS + "/D/Disks/db01";
        try (Snapshot snapshot = snapshot(guest)) {
            Path root = snapshot.view().root();
            assertThat(root.resolve("Virtual Machines").resolve(vm + ".vmcx")).isRegularFile();
            assertThat(snapshot.view().grafts()).containsOnlyKeys(graft);
            Path disks = snapshot.view().grafts().get(graft);
            assertThat(disks.resolve("system.vhdx")).isRegularFile();
            assertThat(disks.resolve("data.vhdx")).isRegularFile();
            assertThat(snapshot.view().metadata().get(HyperVVssWriter.METADATA)).isRegularFile();
            assertThat(snapshot.facts()).containsKeys(HyperVVssWriter.FACT_SHADOW_PREFIX + "C",
                    HyperVVssWriter.FACT_SHADOW_PREFIX + "D", HyperVVssWriter.FACT_SHADOW_SET)
                    .containsEntry(HyperVVssWriter.FACT_WRITER, StandInWorld.WRITER_ID)
                    .containsEntry(HyperVVssWriter.FACT_GRAFT_PREFIX + graft, guest.disks().get(0).getParent().toString());
            byte[] atSnapshot = Files.readAllBytes(disks.resolve("data.vhdx"));
            long writes = world.guestWrites();
            await().atMost(Duration.ofSeconds(20)).until(() -> world.guestWrites() > writes + 2);
            assertThat(Files.readAllBytes(disks.resolve("data.vhdx"))).isEqualTo(atSnapshot);
            assertThat(Files.readAllBytes(guest.disks().get(1))).isNotEqualTo(atSnapshot);
        }
        assertThat(world.shadows()).isEmpty();
        assertThat(world.mountRoot()).isEmptyDirectory();
        assertThat(normalised(world.scripts().get(0))).isEqualTo(expected("two-volumes-standin.dsh"));
    }

    @Test
    void aVmOnOneVolumeGetsOneShadowCopy() throws Exception {
        String vm = world.addVm("web01", true, "C", "C");
        start();
        try (Snapshot snapshot = snapshot(host.guest(vm))) {
            assertThat(snapshot.view().grafts()).isEmpty();
            assertThat(snapshot.facts()).containsKey(HyperVVssWriter.FACT_SHADOW_PREFIX + "C")
                    .doesNotContainKey(HyperVVssWriter.FACT_SHADOW_PREFIX + "D");
        }
        assertThat(normalised(world.scripts().get(0))).isEqualTo(expected("one-volume-standin.dsh"));
    }

    @Test
    void aDiskFolderSharedWithOtherFilesIsRefusedBeforeTheGuestIsHeld() throws Exception {
        String vm = world.addVm("db02", false, "C", "D");
        start();
        GuestInfo guest = host.guest(vm);
        Files.writeString(guest.disks().get(0).getParent().resolve("other-vm.vhdx"), "someone else's disk");
        assertThatThrownBy(() -> writer.prepare(host, guest, workDir)).isInstanceOf(SnapshotException.class)
                .hasMessageContaining("also holds [other-vm.vhdx]")
                .hasMessageContaining("give each VM's disks a folder of their own");
        assertThat(world.scripts()).isEmpty();
    }

    private void start() throws IOException {
        HyperVConfig config = world.config(Duration.ofSeconds(20));
        host = world.host(config);
        writer = new HyperVVssWriter(config);
    }

    private Snapshot snapshot(GuestInfo guest) {
        try (PreparedSnapshot prepared = writer.prepare(host, guest, workDir);
                GuestHold hold = host.hold(guest.ref(), HoldMode.PAUSE)) {
            return prepared.create();
        }
    }

    /** The script with this run's folders and snapshot id replaced by names that do not change. */
    private String normalised(String script) {
        String text = script.replace(workDir.toString(), "<work>").replace(world.root().toString(), "<root>");
        return text.replaceAll("<root>/mounts/[0-9a-f-]{36}", "<root>/mounts/<snapshot>");
    }

    private static String expected(String name) throws IOException {
        try (var in = Objects.requireNonNull(HyperVTwoVolumesTest.class.getResourceAsStream("/hyperv/" + name), name)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }
}
