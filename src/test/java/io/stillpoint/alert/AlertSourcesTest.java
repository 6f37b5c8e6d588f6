package io.stillpoint.alert;

import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.stillpoint.backup.RunRecovery;
import io.stillpoint.catalog.BackupJob;
import io.stillpoint.catalog.NodeHeartbeat;
import io.stillpoint.catalog.RunStatus;
import io.stillpoint.catalog.Vm;
import io.stillpoint.config.NodeName;
import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.testing.Api;
import io.stillpoint.testing.CatalogRows;
import io.stillpoint.testing.LoopFileSystem;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each alert is raised where its cause happens, with the ids an admin needs, and a lasting condition once until
 * it is over. Checks look every second here; times a real server would wait out (a day since the last point, an
 * hour of silence) are set back in the catalog.
 */
@QuarkusTest
class AlertSourcesTest {

    private static final long MIB = 1024 * 1024;
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @ConfigProperty(name = "stillpoint.home")
    Path home;

    @Inject
    RunRecovery recovery;

    @Inject
    NodeName node;

    @Inject
    Alerts alerts;

    String tag;
    String hostId;
    String repositoryId;
    Path repository;

    @BeforeEach
    void hostAndRepository() throws IOException {
        tag = UUID.randomUUID().toString().substring(0, 8);
        hostId = Api.createSimulatedHost("sources-" + tag, Files.createDirectories(home.resolve("sources-" + tag)));
        repository = home.resolve("sources-repo-" + tag);
        repositoryId = Api.createRepository("sources-" + tag, repository);
    }

    @Test
    void aFailedVerifyNamesItsRestorePoint() throws IOException {
        String vm = Api.createVm(hostId, "verify-" + tag, 8 * MIB, 8 * MIB, false);
        String point = Api.awaitFinished("runs", Api.backup(vm, Map.of("mode", "pause", "repositoryId", repositoryId)))
                .getString("restorePointId");
        try (Stream<Path> files = Files.walk(repository.resolve(vm).resolve(point).resolve("files"))) {
            Path victim = files.filter(Files::isRegularFile).filter(f -> f.toString().endsWith(".vhdx")).findFirst().orElseThrow();
            try (RandomAccessFile file = new RandomAccessFile(victim.toFile(), "rw")) {
                file.seek(4096);
                file.write(new byte[] {1, 2, 3, 4});
            }
        }
        json().post("/api/restore-points/{id}/verify", point).then().statusCode(202);

        Map<String, Object> event = awaitEvent("verify-failed", e -> point.equals(e.get("restorePointId")));
        assertThat(event.get("vmId")).isEqualTo(vm);
        assertThat(event.get("repositoryId")).isEqualTo(repositoryId);
        assertThat((String) event.get("summary")).contains("verify-" + tag).contains("failed its verify");
        assertThat(event.get("link")).isEqualTo("https://backup.example.org:8443/#/restore-points?vm=" + vm + "&point=" + point);
    }

    @Test
    void aJobSkippingAVmGoneFromItsHostSaysSo() {
        String vm = Api.createVm(hostId, "gone-" + tag, 8 * MIB, 8 * MIB, false);
        QuarkusTransaction.requiringNew().run(() -> Vm.<Vm>findByIdOptional(UUID.fromString(vm)).orElseThrow().vanishedAt = Instant.now());
        String job = job("skips-" + tag, vm, "0 0 2 * * ?");
        json().post("/api/jobs/{id}/run", job).then().statusCode(202);

        Map<String, Object> event = awaitEvent("vm-skipped", e -> job.equals(e.get("jobId")));
        assertThat(event.get("vmId")).isEqualTo(vm);
        assertThat(json().get("/api/runs/{id}", event.get("runId")).then().statusCode(200).extract().<String>path("status"))
                .isEqualTo("SKIPPED");
        assertThat(event.get("severity")).isEqualTo("warning");
        assertThat((String) event.get("summary")).contains("no longer listed by its host");
    }

    @Test
    void aVmWithoutARecentPointIsUnprotectedOnceUntilItIsBackedUp() {
        String vm = Api.createVm(hostId, "stale-" + tag, 8 * MIB, 8 * MIB, false);
        String job = job("daily-" + tag, vm, "0 0 2 * * ?");
        Instant twoDaysAgo = Instant.now().minus(Duration.ofDays(2));
        QuarkusTransaction.requiringNew().run(() -> {
            Vm.<Vm>findByIdOptional(UUID.fromString(vm)).orElseThrow().createdAt = twoDaysAgo;
            BackupJob.byId(UUID.fromString(job)).orElseThrow().createdAt = twoDaysAgo;
        });

        Map<String, Object> event = awaitEvent("vm-unprotected", e -> vm.equals(e.get("vmId")));
        assertThat(event.get("jobId")).isEqualTo(job);
        assertThat((String) event.get("summary")).contains("job 'daily-" + tag + "' runs at least every PT24H")
                .contains("no restore point yet");
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
        assertThat(events("vm-unprotected", e -> vm.equals(e.get("vmId")))).as("raised once while it lasts").hasSize(1);

        Api.awaitFinished("runs", Api.backup(vm, Map.of("mode", "pause", "repositoryId", repositoryId)));
        await().atMost(PATIENCE).until(() -> !alerts.raised("vm-unprotected:").contains("vm-unprotected:" + vm));

        // its own bound: an hour, and its newest point is made two hours old
        json().body(Map.of("maxPointAge", "soon")).put("/api/vms/{id}/protection", vm).then().statusCode(400)
                .body("errors.field", hasItem("maxPointAge"));
        json().body(Map.of("maxPointAge", "PT1H")).put("/api/vms/{id}/protection", vm).then().statusCode(200)
                .body("maxPointAge", equalTo("PT1H"));
        QuarkusTransaction.requiringNew().run(() -> io.stillpoint.catalog.RestorePoint.update(
                "createdAt = ?1 where vmId = ?2", Instant.now().minus(Duration.ofHours(2)), UUID.fromString(vm)));
        Map<String, Object> own = awaitEvent("vm-unprotected",
                e -> vm.equals(e.get("vmId")) && ((String) e.get("summary")).contains("its own bound is PT1H"));
        assertThat(own.get("jobId")).isNull();
    }

    @Test
    void aRepositoryFailingItsCheckIsRaisedOnceAndClearedWhenSoundAgain() throws IOException {
        Path marker = repository.resolve(OwnedFolder.MARKER);
        byte[] kept = Files.readAllBytes(marker);
        Files.delete(marker);
        try {
            Map<String, Object> event = awaitEvent("repository-check-failed", e -> repositoryId.equals(e.get("repositoryId")));
            assertThat((String) event.get("summary")).contains("sources-" + tag);
            assertThat(event.get("link")).isEqualTo("https://backup.example.org:8443/#/repositories");
        } finally {
            Files.write(marker, kept);
        }
        await().atMost(PATIENCE).until(() -> !alerts.raised("repository-check:").contains("repository-check:" + repositoryId));
        assertThat(events("repository-check-failed", e -> repositoryId.equals(e.get("repositoryId")))).hasSize(1);
    }

    @Test
    void aRepositoryOnAFileSystemFullerThanTheThresholdIsNearlyFull() throws IOException {
        try (LoopFileSystem ext4 = LoopFileSystem.create(LoopFileSystem.Type.EXT4, 64 * MIB)) {
            String small = Api.createRepository("small-" + tag, ext4.mountPoint().resolve("repository"));
            try (RandomAccessFile filler = new RandomAccessFile(ext4.mountPoint().resolve("filler").toFile(), "rw")) {
                byte[] block = new byte[(int) MIB];
                long usable = Files.getFileStore(ext4.mountPoint()).getUsableSpace();
                for (long written = 0; written < usable - 2 * MIB; written += MIB) {
                    filler.write(block);
                }
                filler.getFD().sync();
            }
            Map<String, Object> event = awaitEvent("repository-nearly-full", e -> small.equals(e.get("repositoryId")));
            assertThat((String) event.get("summary")).contains("small-" + tag).contains("the threshold is 90%");
            json().delete("/api/repositories/{id}", small).then().statusCode(200);
        }
    }

    @Test
    void aSilentNodeIsRaisedOnceAndClearedWhenItBeatsAgain() {
        String ghost = "ghost-" + tag;
        QuarkusTransaction.requiringNew().run(() -> {
            NodeHeartbeat beat = new NodeHeartbeat();
            beat.node = ghost;
            beat.lastSeen = Instant.now().minus(Duration.ofHours(1));
            beat.persist();
        });
        try {
            Map<String, Object> event = awaitEvent("node-silent", e -> ghost.equals(e.get("node")));
            assertThat((String) event.get("summary")).contains("node '" + ghost + "' has been silent since");
            QuarkusTransaction.requiringNew().run(() -> NodeHeartbeat.<NodeHeartbeat>findById(ghost).lastSeen = Instant.now());
            await().atMost(PATIENCE).until(() -> !alerts.raised("node-silent:").contains("node-silent:" + ghost));
        } finally {
            QuarkusTransaction.requiringNew().run(() -> NodeHeartbeat.deleteById(ghost));
        }
    }

    @Test
    void startUpRecoverySaysWhatItRepaired() {
        String vm = Api.createVm(hostId, "crashed-" + tag, 8 * MIB, 8 * MIB, false);
        UUID run = CatalogRows.run(vm, repositoryId, RunStatus.RUNNING, node.value());

        recovery.recover();

        Map<String, Object> failed = awaitEvent("run-failed", e -> run.toString().equals(e.get("runId")));
        assertThat((String) failed.get("summary")).contains("interrupted: the server stopped during the copy phase");
        Map<String, Object> repaired = awaitEvent("recovery-repaired", e -> ((String) e.get("summary")).contains(run.toString()));
        assertThat(repaired.get("node")).isEqualTo(node.value());
        assertThat((String) repaired.get("summary")).startsWith("start-up recovery on node '" + node.value() + "' repaired: ");
    }

    private String job(String name, String vm, String schedule) {
        return json().body(Map.of("name", name, "schedule", schedule, "vmIds", List.of(vm), "mode", "pause",
                        "repositoryId", repositoryId, "retention", Map.of("keepLast", 3)))
                .post("/api/jobs").then().statusCode(201).extract().path("id");
    }

    private static Map<String, Object> awaitEvent(String type, java.util.function.Predicate<Map<String, Object>> which) {
        await().atMost(PATIENCE).until(() -> !events(type, which).isEmpty());
        return events(type, which).get(0);
    }

    private static List<Map<String, Object>> events(String type, java.util.function.Predicate<Map<String, Object>> which) {
        JsonPath answer = json().get("/api/notifications/events?limit=500&type=" + type).then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> all = answer.getList("$");
        return all.stream().filter(which).toList();
    }
}
