package io.stillpoint.schedule;

import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.stillpoint.catalog.BackupJob;
import io.stillpoint.testing.Api;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.quartz.CronTrigger;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.TriggerKey;

/** Jobs on Quartz: they fire on schedule, prune by policy, stop when disabled, and refuse bad input. */
@QuarkusTest
class JobsTest {

    private static final long MIB = 1024 * 1024;

    @ConfigProperty(name = "stillpoint.home")
    Path home;

    @Inject
    Scheduler quartz;

    @Inject
    JobService jobService;

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

        // Disabling stops the fires, not a run that had started already.
        await().atMost(Duration.ofSeconds(20)).until(() -> runsOf(jobId).stream()
                .noneMatch(r -> r.get("status").equals("RUNNING") || r.get("status").equals("QUEUED")));
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

    /**
     * compareEvery 2: at least every second point compares chunk digests whatever the writer tracked; a prune
     * dry run says what each removal frees at most, which for points sharing data is what each one wrote.
     */
    @Test
    void compareEveryForcesAComparedPointAndAPruneDryRunSaysWhatEachRemovalFrees() {
        Map<String, Object> job = new HashMap<>(Map.of("name", "compare-" + vmId, "schedule", "0 0 2 * * ?",
                "vmIds", List.of(vmId), "mode", "pause", "repositoryId", repositoryId,
                "retention", Map.of("keepLast", 10), "compareEvery", 2));
        String jobId = createJob(job);
        json().get("/api/jobs/{id}", jobId).then().body("compareEvery", equalTo(2));
        List<String> tracking = new java.util.ArrayList<>();
        List<JsonPath> runs = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String runId = json().post("/api/jobs/{id}/run", jobId).then().statusCode(202).extract().path("[0].id");
            JsonPath run = Api.awaitFinished("runs", runId);
            assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
            tracking.add(run.getString("changeTracking"));
            runs.add(run);
        }
        assertThat(tracking).containsExactly("none", "differencing", "compare", "differencing");
        assertThat(runs.get(2).getString("changeTrackingReason")).contains("compareEvery");

        job.put("retention", Map.of("keepLast", 1));
        json().body(job).put("/api/jobs/{id}", jobId).then().statusCode(200);
        JsonPath prune = json().post("/api/jobs/{id}/prune?dryRun=true", jobId).then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> points = prune.getList("[0].points");
        assertThat(points).filteredOn(p -> !(Boolean) p.get("keep")).hasSize(3).allSatisfy(p -> {
            JsonPath point = json().get("/api/restore-points/{id}", p.get("restorePointId")).then().extract().jsonPath();
            assertThat(((Number) p.get("freesAtMostBytes")).longValue()).isEqualTo(point.getLong("bytesWritten"))
                    .isLessThanOrEqualTo(point.getLong("sizeBytes"));
        });
        assertThat(points).filteredOn(p -> (Boolean) p.get("keep")).allSatisfy(p -> assertThat(p.get("freesAtMostBytes")).isNull());
        assertThat(prune.getInt("[0].kept")).isEqualTo(1);
        assertThat(prune.getInt("[0].removed")).isEqualTo(3);

        // A VM with years of points keeps thousands: the removed ones alone, beside the counts of both.
        JsonPath removed = json().post("/api/jobs/{id}/prune?dryRun=true&points=removed", jobId).then().statusCode(200)
                .extract().jsonPath();
        assertThat(removed.getList("[0].points.restorePointId")).containsExactlyInAnyOrderElementsOf(
                points.stream().filter(p -> !(Boolean) p.get("keep")).map(p -> p.get("restorePointId")).toList());
        assertThat(removed.getInt("[0].kept")).isEqualTo(1);

        // A wrong value is refused before anything is pruned, even without a dry run.
        json().post("/api/jobs/{id}/prune?dryRun=false&points=some", jobId).then().statusCode(400)
                .contentType("application/problem+json").body("errors[0].field", equalTo("points"));
        assertThat(json().post("/api/jobs/{id}/prune?dryRun=true", jobId).then().statusCode(200).extract().jsonPath()
                .getInt("[0].removed")).isEqualTo(3);
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
        refused(with(good, "compareEvery", 0), "compareEvery");
        refused(with(good, "compareEvery", 1001), "compareEvery");
        refused(with(good, "vmNamePattern", "db[0-9"), "vmNamePattern");
        refused(with(good, "vmNamePattern", "(a|aa)*".repeat(28) + "b"), "vmNamePattern");
        refused(with(good, "timeZone", "+05:00:30"), "timeZone");
        assertThat(json().get("/api/jobs").then().extract().jsonPath().getList("$")).hasSize(jobs);
    }

    @Test
    void aNamePatternIsAGlobOverWholeNames() {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String web = Api.createVm(hostId, "g" + tag + "-web01", 16 * MIB, 16 * MIB, false);
        Api.createVm(hostId, "g" + tag + "-db01", 16 * MIB, 16 * MIB, false);
        Api.createVm(hostId, "G" + tag + "-web02", 16 * MIB, 16 * MIB, false);
        String jobId = createJob(Map.of("name", "glob-" + tag, "schedule", "0 0 2 * * ?", "vmNamePattern",
                "g" + tag + "-web*", "repositoryId", repositoryId, "retention", Map.of("keepLast", 3)));

        json().get("/api/jobs/{id}", jobId).then().statusCode(200)
                .body("vmNamePattern", equalTo("g" + tag + "-web*"))
                .body("legacyVmNameRegex", equalTo(null))
                .body("lastRuns.vmId", org.hamcrest.Matchers.contains(web));
    }

    @Test
    void aJobWhoseRegularExpressionHadNoGlobStaysOffUntilItIsGivenOne() {
        String jobId = createJob(Map.of("name", "legacy-" + vmId, "schedule", "0 0 2 * * ?", "vmIds", List.of(vmId),
                "repositoryId", repositoryId, "retention", Map.of("keepLast", 3)));
        // What V7 leaves of a job whose expression had no glob equivalent.
        QuarkusTransaction.requiringNew().run(() -> {
            BackupJob job = BackupJob.byId(UUID.fromString(jobId)).orElseThrow();
            job.legacyVmNameRegex = "(web|db)[0-9]+";
            job.vmNamePattern = null;
            job.enabled = false;
        });

        json().get("/api/jobs/{id}", jobId).then().statusCode(200)
                .body("legacyVmNameRegex", equalTo("(web|db)[0-9]+")).body("enabled", equalTo(false));
        json().post("/api/jobs/{id}/enable", jobId).then().statusCode(409).contentType("application/problem+json")
                .body("detail", containsString("(web|db)[0-9]+"));
        json().post("/api/jobs/{id}/run", jobId).then().statusCode(409).body("detail", containsString("glob"));
        assertThat(runsOf(jobId)).isEmpty();

        Map<String, Object> replaced = new HashMap<>(Map.of("name", "legacy-" + vmId, "schedule", "0 0 2 * * ?",
                "vmIds", List.of(vmId), "vmNamePattern", "web*", "repositoryId", repositoryId,
                "retention", Map.of("keepLast", 3)));
        json().body(replaced).put("/api/jobs/{id}", jobId).then().statusCode(200)
                .body("legacyVmNameRegex", equalTo(null)).body("enabled", equalTo(true))
                .body("vmNamePattern", equalTo("web*"));
    }

    @Test
    void aTimeZoneIsStoredNormalizedAsQuartzReadsIt() throws SchedulerException {
        String jobId = createJob(Map.of("name", "offset-" + vmId, "schedule", "0 0 2 * * ?", "timeZone", "UTC+05:00",
                "vmIds", List.of(vmId), "repositoryId", repositoryId, "retention", Map.of("keepLast", 3)));
        json().get("/api/jobs/{id}", jobId).then().statusCode(200)
                .body("timeZone", equalTo("+05:00"))
                .body("nextFireTimes[0]", containsString("T21:00:00Z"));
        assertThat(triggerZone(jobId).getRawOffset()).isEqualTo(5 * 3600 * 1000);
    }

    @Test
    void zonesStoredBeforeNormalizationAreNormalizedAndRescheduled() throws SchedulerException {
        String jobId = createJob(Map.of("name", "old-zone-" + vmId, "schedule", "0 0 2 * * ?", "timeZone", "UTC",
                "vmIds", List.of(vmId), "repositoryId", repositoryId, "retention", Map.of("keepLast", 3)));
        QuarkusTransaction.requiringNew().run(() -> BackupJob.byId(UUID.fromString(jobId)).orElseThrow().timeZone = "UTC+05:00");

        jobService.normalizeStoredZones();

        json().get("/api/jobs/{id}", jobId).then().body("timeZone", equalTo("+05:00"));
        assertThat(triggerZone(jobId).getRawOffset()).isEqualTo(5 * 3600 * 1000);
    }

    /**
     * keepLast 1 keeps the newest point; but a newer unverified point does not push out the newest verified
     * one, and a point whose verify failed is not counted, nor pruned. The decisions are read from dry runs,
     * which do not depend on when the job's own retention ran.
     */
    @Test
    void aPointThatFailedOrWasNotVerifiedIsNeverTheReasonAVerifiedOneIsPruned() throws IOException {
        String jobId = createJob(Map.of("name", "verified-" + vmId, "schedule", "0 0 2 * * ?", "vmIds", List.of(vmId),
                "mode", "pause", "repositoryId", repositoryId, "retention", Map.of("keepLast", 1)));
        String first = runJob(jobId);
        verify(first, "OK");

        String second = runJob(jobId);
        assertThat(keptBy(jobId)).containsOnly(Map.entry(first, List.of("newest-verified")),
                Map.entry(second, List.of("last")));

        corrupt(second);
        verify(second, "FAILED");
        assertThat(keptBy(jobId)).containsOnly(Map.entry(first, List.of("last")),
                Map.entry(second, List.of("verify-failed")));

        String third = runJob(jobId);
        verify(third, "OK");
        String fourth = runJob(jobId);
        await().atMost(Duration.ofSeconds(20)).until(() -> restorePoints().size() == 3);
        assertThat(restorePoints()).containsExactlyInAnyOrder(second, third, fourth);
    }

    private Map<String, List<String>> keptBy(String jobId) {
        JsonPath prune = json().post("/api/jobs/{id}/prune?dryRun=true", jobId).then().statusCode(200).extract().jsonPath();
        Map<String, List<String>> kept = new HashMap<>();
        List<String> ids = prune.getList("[0].points.restorePointId");
        List<List<String>> reasons = prune.getList("[0].points.keptBy");
        for (int i = 0; i < ids.size(); i++) {
            kept.put(ids.get(i), reasons.get(i));
        }
        return kept;
    }

    private String runJob(String jobId) {
        String run = json().post("/api/jobs/{id}/run", jobId).then().statusCode(202).extract().path("[0].id");
        JsonPath finished = Api.awaitFinished("runs", run);
        assertThat(finished.getString("status")).as(finished.getString("error")).isEqualTo("SUCCEEDED");
        return finished.getString("restorePointId");
    }

    private void verify(String pointId, String expected) {
        json().post("/api/restore-points/{id}/verify", pointId).then().statusCode(202);
        await().atMost(Duration.ofSeconds(30)).until(() -> expected.equals(
                json().get("/api/restore-points/{id}", pointId).then().extract().path("verifyStatus")));
    }

    private void corrupt(String pointId) throws IOException {
        Path disk = repository.resolve(vmId).resolve(pointId).resolve("files/Virtual Hard Disks/jobvm.vhdx");
        try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(disk.toFile(), "rw")) {
            file.seek(MIB + 7);
            int b = file.read();
            file.seek(MIB + 7);
            file.write(b ^ 0xFF);
        }
    }

    private TimeZone triggerZone(String jobId) throws SchedulerException {
        return ((CronTrigger) quartz.getTrigger(TriggerKey.triggerKey(jobId, "backup-jobs"))).getTimeZone();
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
