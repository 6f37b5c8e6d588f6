package io.stillpoint.api;

import static io.stillpoint.testing.Api.awaitFinished;
import static io.stillpoint.testing.Api.backup;
import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.stillpoint.copy.ContentDigest;
import io.stillpoint.host.simulated.DiskCheck;
import io.stillpoint.host.simulated.SimulatedDisks;
import io.stillpoint.repository.Manifest;
import io.stillpoint.repository.ManifestCodec;
import io.stillpoint.repository.ManifestEntry;
import io.stillpoint.testing.Api;
import io.stillpoint.writer.simulated.SimulatedSnapshotWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The whole recipe over HTTP against a simulated host whose guests keep writing: back up in each mode,
 * prove the copy is point-in-time, restore to a path and in place.
 */
@QuarkusTest
class BackupRestoreFlowTest {

    private static final long MIB = 1024 * 1024;

    @ConfigProperty(name = "stillpoint.home")
    Path home;

    String hostId;
    String repositoryId;
    Path repository;

    @BeforeEach
    void createHostAndRepository() throws IOException {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        Path root = Files.createDirectories(home.resolve("hosts-" + tag));
        hostId = Api.createSimulatedHost("flow-" + tag, root);
        repository = home.resolve("repo-" + tag);
        repositoryId = Api.createRepository("flow-" + tag, repository);
    }

    @ParameterizedTest
    @CsvSource({
        "online,     true,  online,     application",
        "pause,      false, pause,      crash",
        "save-state, false, save-state, saved-state",
        "stop,       false, stop,       offline",
        "auto,       false, save-state, saved-state",
        "auto,       true,  online,     application"
    })
    void backsUpARunningGuestPointInTimeAndLeavesItRunning(String mode, boolean canQuiesce, String done, String consistency)
            throws IOException {
        String vmId = Api.createVm(hostId, "vm-" + mode + "-" + canQuiesce, 64 * MIB, 32 * MIB, canQuiesce);
        awaitGuestWrote(vmId);

        String runId = backup(vmId, Map.of("mode", mode, "repositoryId", repositoryId));
        JsonPath run = awaitFinished("runs", runId);

        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(run.getString("mode")).isEqualTo(done);
        assertThat(run.getString("consistency")).isEqualTo(consistency);
        assertThat(run.getLong("downtimeMillis")).isNotNull().isGreaterThanOrEqualTo(0L);
        assertThat(run.getMap("phaseMillis")).containsKeys("prepare", "snapshot", "copy", "commit", "release");
        assertThat(Api.vmState(vmId)).isEqualTo("RUNNING");

        String pointId = run.getString("restorePointId");
        json().get("/api/restore-points/{id}", pointId).then().statusCode(200)
                .body("vmId", equalTo(vmId))
                .body("consistency", equalTo(consistency))
                .body("writer", equalTo("simulated"));
        Path point = repository.resolve(vmId).resolve(pointId);
        Manifest manifest = ManifestCodec.read(point.resolve("manifest.json"));
        assertDisksArePointInTime(point, manifest);
        assertFilesMatchManifest(point, manifest);
        assertThat(point.resolveSibling(pointId + ".partial")).doesNotExist();
        String copyLog = json().accept("text/plain").get("/api/runs/{id}/copy-log", runId).then().statusCode(200)
                .extract().asString();
        assertThat(copyLog.lines()).hasSize(manifest.entries().size())
                .anyMatch(line -> line.matches(".*/Virtual Hard Disks/.*\\.vhdx -> .*/" + pointId + "\\.partial/files/Virtual Hard Disks/.*\\.vhdx"));
        assertCopyLogPagesAddUpTo(runId, copyLog);
        if (consistency.equals("saved-state")) {
            assertThat(manifest.entries()).anyMatch(e -> e.path().endsWith(".bin"));
        }
    }

    @Test
    void restoresToAPathUnderTheRestoreRootsWithIdenticalFiles() throws IOException {
        String vmId = Api.createVm(hostId, "restore-path", 64 * MIB, 32 * MIB, false);
        awaitGuestWrote(vmId);
        JsonPath run = awaitFinished("runs", backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));
        String pointId = run.getString("restorePointId");

        Path target = home.resolve("restores").resolve("restore-path-" + UUID.randomUUID());
        String restoreId = json().body(Map.of("target", "path", "path", target.toString()))
                .post("/api/restore-points/{id}/restore", pointId)
                .then().statusCode(202).header("Location", containsString("/api/restores/"))
                .extract().path("id");
        JsonPath restore = awaitFinished("restores", restoreId);

        assertThat(restore.getString("status")).as(restore.getString("error")).isEqualTo("SUCCEEDED");
        // Progress streams end with the final state.
        io.restassured.RestAssured.given().accept("text/event-stream").get("/api/restores/{id}/events", restoreId)
                .then().statusCode(200).contentType(containsString("text/event-stream"))
                .body(containsString("\"status\":\"SUCCEEDED\""));
        io.restassured.RestAssured.given().accept("text/event-stream").get("/api/runs/{id}/events", run.getString("id"))
                .then().statusCode(200).body(containsString("\"restorePointId\":\"" + pointId + "\""));
        Manifest manifest = ManifestCodec.read(repository.resolve(vmId).resolve(pointId).resolve("manifest.json"));
        for (ManifestEntry entry : manifest.entries()) {
            if (entry.type() == io.stillpoint.copy.EntryType.FILE && entry.path().startsWith("files/")) {
                Path restored = target.resolve(entry.path().substring("files/".length()));
                assertThat(digest(restored)).as(entry.path()).isEqualTo(entry.sha256());
            }
        }
        try (Stream<Path> siblings = Files.list(target.getParent())) {
            assertThat(siblings.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".restore-"));
        }
    }

    @Test
    void restoresASavedStateInPlaceAndTheGuestResumesFromTheSnapshotInstant() throws IOException {
        String vmId = Api.createVm(hostId, "restore-saved", 64 * MIB, 32 * MIB, false);
        awaitGuestWrote(vmId);
        JsonPath run = awaitFinished("runs", backup(vmId, Map.of("mode", "save-state", "repositoryId", repositoryId)));
        String pointId = run.getString("restorePointId");
        Manifest manifest = ManifestCodec.read(repository.resolve(vmId).resolve(pointId).resolve("manifest.json"));
        String disk = firstDisk(manifest);
        long snapshotSequence = Long.parseLong(manifest.snapshotFacts().get(SimulatedSnapshotWriter.FACT_SEQUENCE_PREFIX + disk));

        Path liveDisk = Path.of(json().get("/api/vms/{id}", vmId).then().extract().<String>path("directory"))
                .resolve("Virtual Hard Disks").resolve(disk);
        await().atMost(Duration.ofSeconds(30)).until(() -> SimulatedDisks.check(liveDisk).maxSequence() > snapshotSequence + 2000);
        long beforeRestore = SimulatedDisks.check(liveDisk).maxSequence();

        json().body(Map.of("target", "original")).post("/api/restore-points/{id}/restore", pointId)
                .then().statusCode(409).contentType("application/problem+json");

        String restoreId = json().body(Map.of("target", "original", "stopVm", true, "startAfter", true))
                .post("/api/restore-points/{id}/restore", pointId).then().statusCode(202).extract().path("id");
        JsonPath restore = awaitFinished("restores", restoreId);
        assertThat(restore.getString("status")).as(restore.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(Api.vmState(vmId)).isEqualTo("RUNNING");

        // The guest goes on from the snapshot's sequence, not from where it was before the restore.
        await().atMost(Duration.ofSeconds(20)).until(() -> SimulatedDisks.check(liveDisk).sequences().contains(snapshotSequence + 1));
        DiskCheck live = SimulatedDisks.check(liveDisk);
        assertThat(live.invalidBlocks()).isZero();
        assertThat(live.sequences()).contains(snapshotSequence);
        assertThat(live.maxSequence()).isLessThan(beforeRestore);
    }

    private void awaitGuestWrote(String vmId) {
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            Path dir = Path.of(json().get("/api/vms/{id}", vmId).then().extract().<String>path("directory"));
            try (Stream<Path> disks = Files.list(dir.resolve("Virtual Hard Disks"))) {
                for (Path disk : disks.toList()) {
                    if (SimulatedDisks.check(disk).maxSequence() < 100) {
                        return false;
                    }
                }
            }
            return true;
        });
    }

    private static void assertDisksArePointInTime(Path point, Manifest manifest) throws IOException {
        List<ManifestEntry> disks = manifest.entries().stream().filter(e -> e.path().endsWith(".vhdx")).toList();
        assertThat(disks).isNotEmpty();
        for (ManifestEntry disk : disks) {
            String name = Path.of(disk.path()).getFileName().toString();
            long sequence = Long.parseLong(manifest.snapshotFacts().get(SimulatedSnapshotWriter.FACT_SEQUENCE_PREFIX + name));
            DiskCheck check = SimulatedDisks.check(point.resolve(disk.path()));
            assertThat(check.isPointInTime(sequence))
                    .as("%s at sequence %d: %s", name, sequence, check)
                    .isTrue();
        }
    }

    private static void assertFilesMatchManifest(Path point, Manifest manifest) throws IOException {
        for (ManifestEntry entry : manifest.entries()) {
            if (entry.type() == io.stillpoint.copy.EntryType.FILE) {
                assertThat(digest(point.resolve(entry.path()))).as(entry.path()).isEqualTo(entry.sha256());
            }
        }
    }

    private static String firstDisk(Manifest manifest) {
        return manifest.entries().stream().filter(e -> e.path().endsWith(".vhdx")).findFirst()
                .map(e -> Path.of(e.path()).getFileName().toString()).orElseThrow();
    }

    static String digest(Path file) throws IOException {
        ContentDigest digest = new ContentDigest();
        try (FileChannel in = FileChannel.open(file)) {
            ByteBuffer buffer = ByteBuffer.allocate(ContentDigest.CHUNK);
            while (in.read(buffer) >= 0) {
                buffer.flip();
                digest.update(buffer);
                buffer.clear();
            }
        }
        return digest.hex();
    }

    /** Following the copy log's rel="next" links two lines at a time gives back the whole log, in order. */
    private static void assertCopyLogPagesAddUpTo(String runId, String whole) {
        StringBuilder followed = new StringBuilder();
        String next = "/api/runs/" + runId + "/copy-log?limit=2";
        int pages = 0;
        while (next != null) {
            var answer = json().accept("text/plain").get(next).then().statusCode(200).extract();
            assertThat(answer.asString().lines()).hasSizeBetween(1, 2);
            followed.append(answer.asString());
            String link = answer.header("Link");
            next = link == null ? null : link.substring(1, link.indexOf('>'));
            pages++;
        }
        assertThat(followed.toString()).isEqualTo(whole);
        assertThat(pages).isEqualTo((int) Math.ceil(whole.lines().count() / 2.0));
        json().accept("text/plain").get("/api/runs/{id}/copy-log?limit=0", runId).then().statusCode(400)
                .contentType("application/problem+json").body("detail", containsString("limit"));
    }
}
