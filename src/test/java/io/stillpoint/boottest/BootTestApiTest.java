package io.stillpoint.boottest;

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
import io.stillpoint.testing.Api;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Boot tests over HTTP on points of the simulated host: a good point passes with its screenshot and serial
 * log, a point whose disk lost its boot sector fails with evidence and an alert, bad requests are refused
 * naming the field and change nothing, and a job with {@code bootTestAfter} tests each new point.
 */
@QuarkusTest
class BootTestApiTest {

    private static final long MIB = 1024 * 1024;
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @ConfigProperty(name = "stillpoint.home")
    Path home;

    String hostId;
    String repositoryId;
    Path repository;

    @BeforeEach
    void createHostAndRepository() throws IOException {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        hostId = Api.createSimulatedHost("boot-" + tag, Files.createDirectories(home.resolve("boot-hosts-" + tag)));
        repository = home.resolve("boot-repo-" + tag);
        repositoryId = Api.createRepository("boot-" + tag, repository);
    }

    @Test
    void aGoodPointPassesWithItsScreenshotAndSerialLogAndItsFilesUnchanged() throws IOException {
        String pointId = point("boots-" + UUID.randomUUID().toString().substring(0, 6));
        Map<String, String> before = digests(pointDir(pointId));

        JsonPath test = startAndAwait(pointId, Map.of());

        assertThat(test.getString("status")).as(test.getString("evidence")).isEqualTo("PASSED");
        assertThat(test.getLong("bootMillis")).isPositive();
        assertThat(test.getString("evidence")).contains("booted", "consistent");
        byte[] png = json().accept("image/png").get(test.getString("screenshotUrl")).then().statusCode(200)
                .contentType("image/png").extract().asByteArray();
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        json().accept("text/plain").get(test.getString("serialLogUrl")).then().statusCode(200)
                .body(containsString("is up"));
        json().get("/api/restore-points/{id}", pointId).then().statusCode(200)
                .body("bootTest.status", equalTo("PASSED"))
                .body("bootTest.screenshotUrl", equalTo(test.getString("screenshotUrl")));
        assertThat(json().get("/api/boot-tests/unproven").then().statusCode(200).extract().jsonPath()
                .getList("restorePointId")).as("a VM whose newest point passed is proven").doesNotContain(pointId);
        assertThat(digests(pointDir(pointId))).as("the point's files, byte for byte").isEqualTo(before);
        Path results = home.resolve("boot-tests/results").resolve(pointId);
        assertThat(results).isDirectory();

        json().delete("/api/restore-points/{id}", pointId).then().statusCode(204);

        assertThat(results).as("the point's screenshots and logs go with it").doesNotExist();
        json().get(test.getString("screenshotUrl")).then().statusCode(404);
    }

    @Test
    void aPointWhoseBootSectorIsZeroedFailsWithEvidenceAndAnAlert() throws IOException {
        String vmName = "zeroed-" + UUID.randomUUID().toString().substring(0, 6);
        String pointId = point(vmName);
        try (Stream<Path> disks = Files.list(pointDir(pointId).resolve("files/Virtual Hard Disks"))) {
            Path disk = disks.sorted().findFirst().orElseThrow();
            try (FileChannel channel = FileChannel.open(disk, StandardOpenOption.WRITE)) {
                channel.write(ByteBuffer.allocate(512), 0);
            }
        }

        JsonPath test = startAndAwait(pointId, Map.of());

        assertThat(test.getString("status")).isEqualTo("FAILED");
        assertThat(test.getString("evidence")).contains("boot sector", "zeros");
        assertThat(test.getString("bootMillis")).isNull();
        json().get("/api/boot-tests/unproven").then().statusCode(200)
                .body("find { it.restorePointId == '" + pointId + "' }.bootTestStatus", equalTo("FAILED"));
        await().atMost(PATIENCE).until(() -> json().get("/api/notifications/events?limit=500&type=boot-test-failed")
                .then().statusCode(200).extract().jsonPath().getList("restorePointId").contains(pointId));
    }

    @Test
    void badRequestsAreRefusedNamingTheFieldAndStartNothing() {
        String pointId = point("bad-" + UUID.randomUUID().toString().substring(0, 6));

        refused(pointId, Map.of("serialPattern", "(["), "serialPattern");
        refused(pointId, Map.of("timeoutSeconds", 0), "timeoutSeconds");
        refused(pointId, Map.of("timeoutSeconds", 100_000), "timeoutSeconds");
        refused(pointId, Map.of("checkCommand", List.of()), "checkCommand");
        refused(pointId, Map.of("checkCommand", List.of("/bin/true")), "checkCommand");
        json().body(Map.of()).post("/api/restore-points/{id}/boot-test", UUID.randomUUID()).then().statusCode(404)
                .contentType("application/problem+json");
        json().body(Map.of()).post("/api/restore-points/{id}/boot-test", "not-a-uuid").then().statusCode(404);
        json().get("/api/restore-points/{id}/boot-test", pointId).then().statusCode(404);
        json().delete("/api/restore-points/{id}/boot-test", pointId).then().statusCode(409);
        json().get("/api/restore-points/{id}", pointId).then().statusCode(200).body("bootTest", equalTo(null));
    }

    @Test
    void aHyperVPointIsRefusedWithTheReason() {
        String pointId = point("hyperv-" + UUID.randomUUID().toString().substring(0, 6));
        QuarkusTransaction.requiringNew().run(() -> Host.<Host>findById(UUID.fromString(hostId)).type = "hyperv");
        try {
            json().body(Map.of()).post("/api/restore-points/{id}/boot-test", pointId).then().statusCode(400)
                    .contentType("application/problem+json")
                    .body("detail", containsString("Hyper-V"));
            json().get("/api/restore-points/{id}/boot-test", pointId).then().statusCode(404);
        } finally {
            QuarkusTransaction.requiringNew().run(() -> Host.<Host>findById(UUID.fromString(hostId)).type = "simulated");
        }
    }

    @Test
    void aViewerCannotStartOne() {
        String pointId = point("viewer-" + UUID.randomUUID().toString().substring(0, 6));
        String name = "viewer-" + UUID.randomUUID().toString().substring(0, 6);
        json().body(Map.of("username", name, "password", "viewer-password-1", "role", "viewer")).post("/api/users")
                .then().statusCode(201);
        io.restassured.RestAssured.given().auth().preemptive().basic(name, "viewer-password-1")
                .contentType("application/json").body("{}").post("/api/restore-points/{id}/boot-test", pointId)
                .then().statusCode(403);
    }

    @Test
    void aJobWithBootTestAfterTestsEachNewPoint() {
        String vmId = Api.createVm(hostId, "job-" + UUID.randomUUID().toString().substring(0, 6), 16 * MIB, 16 * MIB, false);
        String jobId = json().body(Map.of("name", "boot-after-" + UUID.randomUUID().toString().substring(0, 6),
                        "schedule", "0 0 3 * * ?", "vmIds", List.of(vmId), "mode", "pause", "repositoryId", repositoryId,
                        "retention", Map.of("keepLast", 3), "bootTestAfter", true))
                .post("/api/jobs").then().statusCode(201).body("bootTestAfter", equalTo(true)).extract().path("id");

        String runId = json().post("/api/jobs/{id}/run", jobId).then().statusCode(202).extract().path("[0].id");
        JsonPath run = awaitFinished("runs", runId);

        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        await().atMost(PATIENCE).until(() -> "PASSED".equals(json().get("/api/restore-points/{id}",
                run.getString("restorePointId")).then().statusCode(200).extract().path("bootTest.status")));
    }

    private static void refused(String pointId, Map<String, Object> body, String field) {
        json().body(body).post("/api/restore-points/{id}/boot-test", pointId).then().statusCode(400)
                .contentType("application/problem+json")
                .body("detail", containsString(field));
    }

    private String point(String vmName) {
        String vmId = Api.createVm(hostId, vmName, 16 * MIB, 16 * MIB, false);
        JsonPath run = awaitFinished("runs", backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));
        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        return run.getString("restorePointId");
    }

    private Path pointDir(String pointId) {
        String vmId = json().get("/api/restore-points/{id}", pointId).then().statusCode(200).extract().path("vmId");
        return repository.resolve(vmId).resolve(pointId);
    }

    static JsonPath startAndAwait(String pointId, Map<String, Object> options) {
        json().body(options).post("/api/restore-points/{id}/boot-test", pointId).then().statusCode(202)
                .header("Location", containsString("/api/restore-points/" + pointId + "/boot-test"))
                .body("status", equalTo("RUNNING"));
        JsonPath[] last = new JsonPath[1];
        await().atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(100)).until(() -> {
            last[0] = json().get("/api/restore-points/{id}/boot-test", pointId).then().statusCode(200).extract().jsonPath();
            return !"RUNNING".equals(last[0].getString("status"));
        });
        return last[0];
    }

    /** SHA-256 of every file under {@code dir}, by relative path. */
    static Map<String, String> digests(Path dir) throws IOException {
        Map<String, String> digests = new java.util.TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                try (java.io.InputStream in = Files.newInputStream(file)) {
                    java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
                    byte[] buffer = new byte[1 << 20];
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        sha.update(buffer, 0, n);
                    }
                    digests.put(dir.relativize(file).toString(), java.util.HexFormat.of().formatHex(sha.digest()));
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return digests;
    }
}
