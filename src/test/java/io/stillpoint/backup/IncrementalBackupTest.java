package io.stillpoint.backup;

import static io.stillpoint.testing.Api.awaitFinished;
import static io.stillpoint.testing.Api.backup;
import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.stillpoint.catalog.Host;
import io.stillpoint.copy.CancellationSignal;
import io.stillpoint.copy.FileDigests;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.simulated.SimulatedDisks;
import io.stillpoint.host.simulated.SimulatedHypervisor;
import io.stillpoint.inventory.HostRegistry;
import io.stillpoint.repository.Manifest;
import io.stillpoint.repository.ManifestCodec;
import io.stillpoint.testing.Api;
import io.stillpoint.testing.LoopFileSystem;
import io.stillpoint.writer.simulated.SimulatedSnapshotWriter;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Incremental forever over HTTP, on real loop-mounted file systems: every point a whole folder that
 * shares unchanged data with the one before (reflink on XFS and btrfs, hard links on ext4), each one
 * restoring byte-exact alone after points before, between and after it were deleted.
 */
@QuarkusTest
class IncrementalBackupTest {

    private static final long MIB = 1024 * 1024;
    private static final long DISK = 32 * MIB;
    private static final int POINTS = 10;
    private static final int WRITES_PER_POINT = 3;
    private static final int WRITE_BYTES = 100 * 1024;

    @ConfigProperty(name = "stillpoint.home")
    Path home;

    @Inject
    HostRegistry hosts;

    record Taken(String pointId, Map<String, String> expected, JsonPath run) {}

    @ParameterizedTest
    @EnumSource(LoopFileSystem.Type.class)
    void tenPointsShareWhatDidNotChangeAndEachRestoresAloneAfterDeletes(LoopFileSystem.Type type) throws IOException {
        try (LoopFileSystem fs = LoopFileSystem.create(type, 512 * MIB)) {
            String tag = type.name().toLowerCase() + "-" + UUID.randomUUID().toString().substring(0, 8);
            Path repository = fs.mountPoint().resolve("repository");
            String repositoryId = Api.createRepository("incremental-" + tag, repository);
            boolean clones = type != LoopFileSystem.Type.EXT4;
            assertThat(json().get("/api/repositories/{id}", repositoryId).then().statusCode(200)
                    .extract().jsonPath().getBoolean("blockClone")).isEqualTo(clones);

            String hostId = Api.createSimulatedHost("incremental-" + tag,
                    Files.createDirectories(home.resolve("hosts-" + tag)));
            String vmId = Api.createVm(hostId, "incremental-" + tag, DISK, 32 * MIB, false);
            SimulatedHypervisor host = simulated(hostId);
            String ref = json().get("/api/vms/{id}", vmId).then().statusCode(200).extract().path("ref");
            // Held off, the guest writes nothing of its own: what each point must hold is known exactly.
            host.stop(ref);
            GuestInfo guest = host.guest(ref);
            String disk = guest.disks().get(0).getFileName().toString();

            Random random = new Random(type.ordinal());
            List<Taken> taken = new ArrayList<>();
            for (int i = 0; i < POINTS; i++) {
                if (i > 0) {
                    for (int w = 0; w < WRITES_PER_POINT; w++) {
                        byte[] data = new byte[WRITE_BYTES];
                        random.nextBytes(data);
                        host.writeGuestData(ref, disk, random.nextLong(DISK - WRITE_BYTES), data);
                    }
                }
                Map<String, String> expected = digests(guest.directory());
                JsonPath run = awaitFinished("runs", backup(vmId, Map.of("mode", "auto", "repositoryId", repositoryId)));
                assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
                taken.add(new Taken(run.getString("restorePointId"), expected, run));
            }

            assertThat(taken.get(0).run().getString("changeTracking")).isEqualTo("none");
            for (Taken later : taken.subList(1, POINTS)) {
                JsonPath run = later.run();
                assertThat(run.getString("changeTracking")).as(run.getString("changeTrackingReason"))
                        .isEqualTo(SimulatedSnapshotWriter.TRACKING_KIND);
                if (clones) {
                    // Each write touches at most two 1 MiB chunks; the rest of the disk is cloned, not written.
                    assertThat(run.getLong("bytesWritten")).isLessThanOrEqualTo(WRITES_PER_POINT * 2 * MIB);
                    assertThat(run.getLong("bytesShared")).isGreaterThan(0);
                } else {
                    assertThat(run.getString("changeTrackingReason")).contains("cannot clone blocks");
                }
            }
            if (!clones) {
                assertHardLinksOnlyWhereUnchanged(repository, vmId, taken.get(1), taken.get(2));
            }

            for (int deleted : new int[] {0, POINTS / 2, POINTS - 1}) {
                String pointId = taken.get(deleted).pointId();
                json().delete("/api/restore-points/{id}", pointId).then().statusCode(204);
                Path folder = repository.resolve(vmId).resolve(pointId);
                await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(folder, LinkOption.NOFOLLOW_LINKS));
            }
            for (int i = 0; i < POINTS; i++) {
                if (i == 0 || i == POINTS / 2 || i == POINTS - 1) {
                    continue;
                }
                Taken point = taken.get(i);
                Path files = repository.resolve(vmId).resolve(point.pointId()).resolve("files");
                assertThat(digests(files)).as("point %d holds exactly what the guest held at its snapshot", i)
                        .isEqualTo(point.expected());
                assertVerifies(point.pointId());
            }
        }
    }

    /** A guest that keeps writing during the copies: each incremental point still holds one instant. */
    @Test
    void incrementalPointsOfARunningGuestArePointInTime() throws IOException {
        try (LoopFileSystem fs = LoopFileSystem.create(LoopFileSystem.Type.XFS, 512 * MIB)) {
            String tag = UUID.randomUUID().toString().substring(0, 8);
            Path repository = fs.mountPoint().resolve("repository");
            String repositoryId = Api.createRepository("running-" + tag, repository);
            String hostId = Api.createSimulatedHost("running-" + tag, Files.createDirectories(home.resolve("hosts-" + tag)));
            String vmId = Api.createVm(hostId, "running-" + tag, DISK, 32 * MIB, false);
            for (int i = 0; i < 4; i++) {
                JsonPath run = awaitFinished("runs", backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));
                assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
                assertThat(run.getString("changeTracking")).isEqualTo(i == 0 ? "none" : "differencing");
                Path point = repository.resolve(vmId).resolve(run.getString("restorePointId"));
                Manifest manifest = ManifestCodec.read(point.resolve("manifest.json"));
                try (Stream<Path> vhdx = Files.list(point.resolve("files").resolve("Virtual Hard Disks"))) {
                    for (Path disk : vhdx.filter(p -> p.toString().endsWith(".vhdx")).toList()) {
                        long sequence = Long.parseLong(manifest.snapshotFacts()
                                .get(SimulatedSnapshotWriter.FACT_SEQUENCE_PREFIX + disk.getFileName()));
                        assertThat(SimulatedDisks.check(disk).isPointInTime(sequence))
                                .as("point %d, %s holds exactly the writes up to %d", i, disk.getFileName(), sequence)
                                .isTrue();
                    }
                }
            }
        }
    }

    /** On ext4 a file is a hard link to the previous copy only when its content and metadata are the same. */
    private static void assertHardLinksOnlyWhereUnchanged(Path repository, String vmId, Taken before, Taken after)
            throws IOException {
        Path old = repository.resolve(vmId).resolve(before.pointId()).resolve("files");
        Path now = repository.resolve(vmId).resolve(after.pointId()).resolve("files");
        int linked = 0;
        for (Map.Entry<String, String> file : after.expected().entrySet()) {
            Path previous = old.resolve(file.getKey());
            boolean same = Files.isSameFile(previous, now.resolve(file.getKey()));
            boolean unchanged = file.getValue().equals(before.expected().get(file.getKey()));
            if (same) {
                assertThat(unchanged).as("%s is shared but changed", file.getKey()).isTrue();
                linked++;
            }
            if (!unchanged) {
                assertThat(same).as("%s changed, so it must be a file of its own", file.getKey()).isFalse();
            }
        }
        assertThat(linked).as("unchanged files of the guest are hard links to the previous point").isPositive();
    }

    private static void assertVerifies(String pointId) {
        json().post("/api/restore-points/{id}/verify", pointId).then().statusCode(202);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> !"RUNNING".equals(
                json().get("/api/restore-points/{id}", pointId).then().extract().path("verifyStatus")));
        JsonPath point = json().get("/api/restore-points/{id}", pointId).then().extract().jsonPath();
        assertThat(point.getString("verifyStatus")).as(point.getString("verifyProblems")).isEqualTo("OK");
    }

    /** Content digests of every regular file under {@code folder}, by path relative to it. */
    private static Map<String, String> digests(Path folder) throws IOException {
        Map<String, String> digests = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path file : walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
                digests.put(folder.relativize(file).toString(), FileDigests.of(file, new CancellationSignal()));
            }
        }
        return digests;
    }

    private SimulatedHypervisor simulated(String hostId) {
        Host row = QuarkusTransaction.requiringNew().call(() -> Host.byId(UUID.fromString(hostId)).orElseThrow());
        return hosts.of(row).unwrap(SimulatedHypervisor.class).orElseThrow();
    }
}
