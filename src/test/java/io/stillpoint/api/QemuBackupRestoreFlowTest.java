package io.stillpoint.api;

import static io.stillpoint.testing.Api.awaitFinished;
import static io.stillpoint.testing.Api.backup;
import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.stillpoint.catalog.Host;
import io.stillpoint.inventory.HostRegistry;
import io.stillpoint.repository.Manifest;
import io.stillpoint.repository.ManifestCodec;
import io.stillpoint.testing.Api;
import io.stillpoint.testing.LoopFileSystem;
import io.stillpoint.testing.QemuLab;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A real QEMU guest (no OS: the test writes to its disks through QEMU) registered over HTTP by its QMP
 * socket, backed up in every mode that needs no guest agent through the run pipeline and the qemu writer,
 * and restored in place from a save-state backup. {@link QemuLinuxGuestFlowTest} backs up a real Linux
 * guest online, with its real agent.
 */
@QuarkusTest
class QemuBackupRestoreFlowTest {

    private static final long MIB = 1L << 20;
    private static final int A = 0xa1;
    private static final int B = 0xb2;

    @ConfigProperty(name = "stillpoint.home")
    Path home;

    @Inject
    HostRegistry hosts;

    private QemuLab lab;
    private QemuLab.Guest guest;
    private String hostId;
    private String vmId;
    private String repositoryId;
    private Path repository;

    @BeforeEach
    void registerAGuest() throws IOException {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        lab = new QemuLab(Files.createDirectories(home.resolve("q" + tag)));
        guest = lab.start("kvm-" + tag, 64, 32 * MIB, 16 * MIB);
        hostId = json().body(Map.of("name", "qemu-" + tag, "type", "qemu", "settings",
                        Map.of("powerdownTimeoutMillis", "300", "root", lab.root().resolve("host").toString())))
                .post("/api/hosts").then().statusCode(201).extract().path("id");
        vmId = json().body(Map.of("qmpSocket", guest.qmpSocket().toString()))
                .post("/api/hosts/{id}/vms", hostId).then().statusCode(201)
                .body("name", equalTo(guest.name())).body("state", equalTo("RUNNING"))
                .extract().path("id");
        repository = home.resolve("repo-" + tag);
        repositoryId = Api.createRepository("qemu-" + tag, repository);
    }

    @AfterEach
    void stopTheGuest() throws IOException {
        lab.close();
    }

    @ParameterizedTest
    @CsvSource({"pause, crash", "save-state, saved-state", "stop, offline"})
    void backsUpInEveryModeAndLeavesTheGuestRunningWithNothingBehind(String mode, String consistency)
            throws IOException {
        lab.write(guest, 0, A, 0, 4 * MIB);
        JsonPath run = awaitFinished("runs", backup(vmId, Map.of("mode", mode, "repositoryId", repositoryId)));

        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(run.getString("consistency")).isEqualTo(consistency);
        assertThat(Api.vmState(vmId)).isEqualTo("RUNNING");
        Path point = repository.resolve(vmId).resolve(run.getString("restorePointId"));
        Manifest manifest = ManifestCodec.read(point.resolve("manifest.json"));
        assertThat(manifest.writer()).isEqualTo("qemu");
        assertThat(manifest.snapshotFacts()).containsKeys("snapshot.id", "overlay.vd0", "overlay.vd1");
        Path files = point.resolve("files");
        assertThat(files.resolve("launch.json")).isRegularFile();
        assertThat(files.resolve("start.sh")).isRegularFile();
        assertThat(files.resolve("vmstate.bin").toFile().exists()).isEqualTo(mode.equals("save-state"));
        QemuLab.check(files.resolve("disk0.qcow2"));
        QemuLab.check(files.resolve("disk1.qcow2"));
        assertThat(QemuLab.holds(files.resolve("disk0.qcow2"), A, 0, 4 * MIB)).isTrue();
        assertThat(lab.blockNodes(guest)).noneMatch(n -> n.startsWith("sp-"));
        assertThat(lab.blockJobs(guest)).isEmpty();
    }

    @Test
    void restoresASaveStateInPlaceAndTheGuestResumesAtTheSnapshotInstant() throws IOException {
        lab.write(guest, 0, A, 0, MIB);
        JsonPath run = awaitFinished("runs", backup(vmId, Map.of("mode", "save-state", "repositoryId", repositoryId)));
        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        lab.write(guest, 0, B, 0, MIB);

        String restoreId = json().body(Map.of("target", "original", "stopVm", true, "startAfter", true))
                .post("/api/restore-points/{id}/restore", run.getString("restorePointId"))
                .then().statusCode(202).extract().path("id");
        JsonPath restore = awaitFinished("restores", restoreId);

        assertThat(restore.getString("status")).as(restore.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(Api.vmState(vmId)).isEqualTo("RUNNING");
        assertThat(lab.monitor(guest).execute("query-status", null, QemuLab.PATIENCE).path("status").asText())
                .isEqualTo("running");
        assertThat(lab.reads(guest, 0, A, 0, MIB)).as("the disk as it was at the snapshot").isTrue();
        assertThat(guest.directory().resolve("vmstate.bin")).doesNotExist();
    }

    @Test
    void restoresAsANewVmThatRunsBesideTheOriginalWithTheDisksOfTheSnapshotInstant() throws IOException {
        lab.write(guest, 0, A, 0, MIB);
        JsonPath run = awaitFinished("runs", backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));
        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        lab.write(guest, 0, B, 0, MIB);
        String name = guest.name() + "-copy";

        String restoreId = json().body(Map.of("target", "new-vm", "name", name, "startAfter", true))
                .post("/api/restore-points/{id}/restore", run.getString("restorePointId"))
                .then().statusCode(202).extract().path("id");
        JsonPath restore = awaitFinished("restores", restoreId);

        assertThat(restore.getString("status")).as(restore.getString("error")).isEqualTo("SUCCEEDED");
        String copyId = restore.getString("newVmId");
        JsonPath copy = json().get("/api/vms/{id}", copyId).then().statusCode(200).extract().jsonPath();
        assertThat(copy.getString("name")).isEqualTo(name);
        assertThat(copy.getString("state")).isEqualTo("RUNNING");
        assertThat(Api.vmState(vmId)).isEqualTo("RUNNING");
        Path disk = lab.root().resolve("host/vms").resolve(name).resolve(name + "-disk0.qcow2");
        assertThat(QemuLab.holds(disk, A, 0, MIB)).as("the copy holds the disk of the snapshot instant").isTrue();
        assertThat(lab.reads(guest, 0, B, 0, MIB)).as("the original keeps its later writes").isTrue();
        assertThat(Files.readString(disk.resolveSibling("launch.json"))).doesNotContain(guest.qmpSocket().toString());
    }

    /**
     * The view is hard links to disk images QEMU no longer writes, so it stays whole when QEMU dies: the
     * run keeps its restore point, the guest is reported off, and the overlay is merged offline.
     */
    @Test
    void qemuKilledDuringTheCopyKeepsAWholeRestorePointAndTheGuestIsReportedOff() throws IOException {
        lab.write(guest, 0, A, 0, 16 * MIB);
        String runId = backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId, "bandwidthLimit", 4 * MIB));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> "copy".equals(json().get("/api/runs/{id}", runId).then().extract().path("phase")));
        lab.kill(guest);
        JsonPath run = awaitFinished("runs", runId);

        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(Api.vmState(vmId)).isEqualTo("OFF");
        try (Stream<Path> files = Files.list(guest.directory())) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".sp-"))
                    .doesNotContain(".stillpoint-snapshots");
        }
        QemuLab.check(guest.disks().get(0));
        Path copied = repository.resolve(vmId).resolve(run.getString("restorePointId")).resolve("files/disk0.qcow2");
        QemuLab.check(copied);
        assertThat(QemuLab.holds(copied, A, 0, 16 * MIB)).isTrue();
    }

    /**
     * The second point reads only what the guest wrote (its dirty bitmap) and shares the rest; a QEMU killed
     * before the third leaves its bitmap unusable, so the third compares chunk digests, says why, and is
     * still right.
     */
    @Test
    void pointsReadWhatTheGuestWroteAndAKilledQemuCostsOneCompareRun() throws IOException {
        try (LoopFileSystem xfs = LoopFileSystem.create(LoopFileSystem.Type.XFS, 512 * MIB)) {
            Path repository = xfs.mountPoint().resolve("repository");
            String repositoryId = Api.createRepository("qemu-xfs-" + UUID.randomUUID(), repository);
            backUpTrackedThenAfterAKill(repository, repositoryId);
        }
    }

    private void backUpTrackedThenAfterAKill(Path repository, String repositoryId) throws IOException {
        lab.write(guest, 0, A, 0, 8 * MIB);
        JsonPath first = awaitFinished("runs", backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));
        assertThat(first.getString("status")).as(first.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(first.getString("changeTracking")).isEqualTo("none");

        lab.write(guest, 0, B, 16 * MIB, MIB);
        JsonPath second = awaitFinished("runs", backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));
        assertThat(second.getString("status")).as(second.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(second.getString("changeTracking")).as(second.getString("changeTrackingReason")).isEqualTo("bitmap");
        assertThat(second.getLong("bytesRead")).as("the dirty MiB and the qcow2 metadata, not the 8 MiB written before")
                .isLessThan(4 * MIB);
        assertThat(second.getLong("bytesWritten")).isLessThan(4 * MIB);
        Path secondDisk = repository.resolve(vmId).resolve(second.getString("restorePointId")).resolve("files/disk0.qcow2");
        QemuLab.check(secondDisk);
        assertThat(QemuLab.holds(secondDisk, A, 0, 8 * MIB)).isTrue();
        assertThat(QemuLab.holds(secondDisk, B, 16 * MIB, MIB)).isTrue();

        lab.kill(guest);
        await().atMost(QemuLab.PATIENCE).until(() -> "OFF".equals(Api.vmState(vmId)));
        hosts.of(QuarkusTransaction.requiringNew().call(() -> Host.byId(UUID.fromString(hostId)).orElseThrow()))
                .start(guest.name());
        lab.write(guest, 1, A, 2 * MIB, MIB);
        JsonPath third = awaitFinished("runs", backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));
        assertThat(third.getString("status")).as(third.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(third.getString("changeTracking")).isEqualTo("compare");
        assertThat(third.getString("changeTrackingReason")).contains("QEMU stopped without saving it");
        Path thirdFiles = repository.resolve(vmId).resolve(third.getString("restorePointId")).resolve("files");
        // QEMU was killed while the guest's disks were open: the images may leak clusters, never lose data.
        QemuLab.checkNoCorruption(thirdFiles.resolve("disk0.qcow2"));
        QemuLab.checkNoCorruption(thirdFiles.resolve("disk1.qcow2"));
        assertThat(QemuLab.holds(thirdFiles.resolve("disk0.qcow2"), B, 16 * MIB, MIB)).isTrue();
        assertThat(QemuLab.holds(thirdFiles.resolve("disk1.qcow2"), A, 2 * MIB, MIB)).isTrue();
    }

    @Test
    void badRegistrationsAre400NamingTheField() throws IOException {
        json().body(Map.of("qmpSocket", "relative.sock")).post("/api/hosts/{id}/vms", hostId)
                .then().statusCode(400).contentType("application/problem+json").body("detail", containsString("qmpSocket"));
        json().body(Map.of("qmpSocket", "")).post("/api/hosts/{id}/vms", hostId)
                .then().statusCode(400).body("detail", containsString("qmpSocket"));
        json().body(Map.of("qmpSocket", guest.qmpSocket().toString())).post("/api/hosts/{id}/vms", hostId)
                .then().statusCode(400).body("detail", containsString("registered with"));
        String simulated = Api.createSimulatedHost("sim-" + UUID.randomUUID().toString().substring(0, 8),
                Files.createDirectories(home.resolve("sim-" + UUID.randomUUID())));
        json().body(Map.of("qmpSocket", guest.qmpSocket().toString())).post("/api/hosts/{id}/vms", simulated)
                .then().statusCode(400).body("detail", containsString("cannot register"));
    }
}
