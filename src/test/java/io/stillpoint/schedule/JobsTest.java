package io.stillpoint.schedule;

import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.stillpoint.testing.Api;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Jobs on Quartz: they fire on schedule, prune by policy, stop when disabled, and refuse bad input. */
@QuarkusTest
class JobsTest {

    private static final long MIB = 1024 * 1024;

    @ConfigProperty(name = "stillpoint.home")
    Path home;

    String hostId;
    String repositoryId;
    Path repository;
    String vmId;

    @BeforeEach
    void createVm() throws IOException {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        hostId = Api.createSimulatedHost("jobs-" + tag, Files.createDirectories(home.resolve("jobs-" + tag)));
        repository = home.resolve("jobs-repo-" + tag);
        repositoryId = Api.createRepository("jobs-" + tag, repository);
        vmId = Api.createVm(hostId, "jobvm", 16 * MIB, 16 * MIB, false);
    }

    @Test
    void aScheduleBacksUpOnTimeAndKeepsWhatItsRetentionSays() {
        String jobId = createJob(Map.of("name", "every-second-" + vmId, "schedule", "* * * * * ?", "vmIds", List.of(vmId),
                "mode", "pause", "repositoryId", repositoryId, "retention", Map.of("keepLast", 2)));

        await().atMost(Duration.ofSeconds(60)).until(() -> succeededRuns(jobId) >= 4);
        json().post("/api/jobs/{id}/disable", jobId).then().statusCode(200).body("enabled", equalTo(false))
                .body("nextFireTimes", hasSize(0));

        List<Map<String, Object>> runs = runsOf(jobId);
        assertThat(runs).allMatch(r -> r.get("status").equals("SUCCEEDED") || r.get("status").equals("SKIPPED"));
        assertThat(runs.stream().map(r -> r.get("scheduledFor")).distinct().count()).isEqualTo(runs.size());
        await().atMost(Duration.ofSeconds(20)).until(() -> restorePoints().size() == 2);
        await().atMost(Duration.ofSeconds(20)).until(() -> directoriesInRepository() == 2);

        int afterDisable = runsOf(jobId).size();
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertThat(runsOf(jobId)).hasSize(afterDisable);

        JsonPath job = json().get("/api/jobs/{id}", jobId).then().statusCode(200).extract().jsonPath();
        assertThat(job.getList("lastRuns.vmId")).containsExactly(vmId);
        json().post("/api/jobs/{id}/enable", jobId).then().statusCode(200).body("nextFireTimes", hasSize(5));
        json().delete("/api/jobs/{id}", jobId).then().statusCode(204);
        json().get("/api/jobs/{id}", jobId).then().statusCode(404);
    }

    @Test
    void runNowPruneDryRunAndProtection() {
        String jobId = createJob(Map.of("name", "nightly-" + vmId, "schedule", "0 0 2 * * ?", "timeZone", "Europe/Berlin",
                "vmIds", List.of(vmId), "mode", "pause", "repositoryId", repositoryId, "retention", Map.of("keepLast", 1)));
        json().get("/api/jobs/{id}", jobId).then().body("nextFireTimes", hasSize(5))
                .body("nextFireTimes[0]", containsString(":00:00Z"));

        String first = json().post("/api/jobs/{id}/run", jobId).then().statusCode(202).extract().path("[0].id");
        assertThat(Api.awaitFinished("runs", first).getString("status")).isEqualTo("SUCCEEDED");
        String firstPoint = Api.awaitFinished("runs", first).getString("restorePointId");
        json().body(Map.of("protected", true)).put("/api/restore-points/{id}/protected", firstPoint).then().statusCode(200)
                .body("isProtected", equalTo(true));

        String second = json().post("/api/jobs/{id}/run", jobId).then().statusCode(202).extract().path("[0].id");
        assertThat(Api.awaitFinished("runs", second).getString("status")).isEqualTo("SUCCEEDED");
        String third = json().post("/api/jobs/{id}/run", jobId).then().statusCode(202).extract().path("[0].id");
        String thirdPoint = Api.awaitFinished("runs", third).getString("restorePointId");

        // keepLast 1 keeps the newest; the protected first one survives; the second is pruned.
        await().atMost(Duration.ofSeconds(20)).until(() -> restorePoints().size() == 2);
        assertThat(restorePoints()).containsExactlyInAnyOrder(firstPoint, thirdPoint);
        JsonPath prune = json().post("/api/jobs/{id}/prune?dryRun=true", jobId).then().statusCode(200).extract().jsonPath();
        assertThat(prune.getList("[0].points.keptBy")).containsExactlyInAnyOrder(List.of("last"), List.of("protected"));

        json().delete("/api/restore-points/{id}", firstPoint).then().statusCode(409).body("detail", containsString("protected"));
    }

    @Test
    void aJobDemandingMoreConsistencyThanTheGuestCanGiveFailsAndSaysWhy() {
        String jobId = createJob(Map.of("name", "strict-" + vmId, "schedule", "0 0 2 * * ?", "vmIds", List.of(vmId),
                "mode", "auto", "repositoryId", repositoryId, "retention", Map.of("keepDaily", 7),
                "minimumConsistency", "application"));
        String run = json().post("/api/jobs/{id}/run", jobId).then().statusCode(202).extract().path("[0].id");
        JsonPath finished = Api.awaitFinished("runs", run);
        assertThat(finished.getString("status")).isEqualTo("FAILED");
        assertThat(finished.getString("error")).contains("demands at least application");
        assertThat(Api.vmState(vmId)).isEqualTo("RUNNING");
    }

    @Test
    void aBusyVmIsRecordedAsSkipped() {
        String busy = Api.backup(vmId, Map.of("mode", "pause", "bandwidthLimit", 1, "repositoryId", repositoryId));
        String jobId = createJob(Map.of("name", "busy-" + vmId, "schedule", "0 0 2 * * ?", "vmIds", List.of(vmId),
                "repositoryId", repositoryId, "retention", Map.of("keepLast", 3)));
        json().post("/api/jobs/{id}/run", jobId).then().statusCode(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> runsOf(jobId).size() == 1);
        assertThat(runsOf(jobId).get(0).get("status")).isEqualTo("SKIPPED");
        assertThat((String) runsOf(jobId).get(0).get("error")).contains("busy");
        json().post("/api/runs/{id}/cancel", busy).then().statusCode(202);
        Api.awaitFinished("runs", busy);
    }

    @Test
    void invalidJobsAre400NamingTheFieldAndStoreNothing() {
        int jobs = json().get("/api/jobs").then().extract().jsonPath().getList("$").size();
        Map<String, Object> good = new HashMap<>(Map.of("name", "bad-" + vmId, "schedule", "0 0 2 * * ?",
                "vmIds", List.of(vmId), "repositoryId", repositoryId, "retention", Map.of("keepDaily", 7)));
        refused(with(good, "schedule", "every night"), "schedule");
        refused(with(good, "timeZone", "Mars/Olympus"), "timeZone");
        refused(with(good, "repositoryId", UUID.randomUUID().toString()), "repositoryId");
        refused(with(good, "vmIds", List.of(UUID.randomUUID().toString())), "vmIds");
        refused(with(good, "retention", Map.of("keepDaily", -1)), "retention.keepDaily");
        refused(with(good, "retention", Map.of("keepDaily", 0, "keepLast", 0)), "retention");
        refused(with(good, "mode", "hibernate"), "mode");
        refused(with(good, "writer", "hyperv-magic"), "writer");
        refused(with(good, "writer", "hyperv-vss"), "writer");
        refused(with(good, "maxParallel", 0), "maxParallel");
        refused(with(good, "minimumConsistency", "perfect"), "minimumConsistency");
        refused(with(good, "vmNamePattern", "(unclosed"), "vmNamePattern");
        assertThat(json().get("/api/jobs").then().extract().jsonPath().getList("$")).hasSize(jobs);
    }

    private static Map<String, Object> with(Map<String, Object> base, String key, Object value) {
        Map<String, Object> copy = new HashMap<>(base);
        copy.put(key, value);
        return copy;
    }

    private static void refused(Map<String, Object> body, String field) {
        json().body(body).post("/api/jobs").then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo(field));
    }

    private static String createJob(Map<String, Object> body) {
        return json().body(body).post("/api/jobs").then().statusCode(201).extract().path("id");
    }

    private List<Map<String, Object>> runsOf(String jobId) {
        List<Map<String, Object>> runs = json().get("/api/runs?vmId=" + vmId).then().extract().jsonPath().getList("$");
        return runs.stream().filter(r -> jobId.equals(r.get("jobId"))).toList();
    }

    private long succeededRuns(String jobId) {
        return runsOf(jobId).stream().filter(r -> "SUCCEEDED".equals(r.get("status"))).count();
    }

    private List<String> restorePoints() {
        return json().get("/api/restore-points?vmId=" + vmId).then().extract().jsonPath().getList("id");
    }

    private long directoriesInRepository() throws IOException {
        Path vmDir = repository.resolve(vmId);
        try (var entries = Files.list(vmDir)) {
            return entries.count();
        }
    }
}
