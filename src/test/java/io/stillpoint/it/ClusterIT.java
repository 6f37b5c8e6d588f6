package io.stillpoint.it;

import io.stillpoint.testing.TestFiles;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.stillpoint.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two server processes on one PostgreSQL share twenty jobs that fire every few seconds: every fire
 * produces exactly one run, and when one node stops the other carries on with the schedules and
 * recovers the runs the stopped node left.
 */
class ClusterIT {

    private static final int JOBS = 20;
    private static final int EVERY_SECONDS = 5;

    Path work;
    TestDatabase database;

    @BeforeEach
    void sharedCatalog() throws Exception {
        work = Files.createTempDirectory("stillpoint-cluster-");
        database = TestDatabase.create(work.resolve("pg"));
    }

    @AfterEach
    void dropCatalog() throws Exception {
        database.close();
        TestFiles.deleteTree(work);
    }

    @Test
    void everyFireRunsExactlyOnceAcrossTwoNodesAndSurvivesOneStopping() throws Exception {
        Path log = work.resolve("cluster.log");
        try (ServerProcess a = ServerProcess.start(work.resolve("a"), log, node("node-a"));
                ServerProcess b = ServerProcess.start(work.resolve("b"), log, node("node-b"))) {
            String host = a.post("/api/hosts", Map.of("name", "shared", "type", "simulated", "settings",
                    Map.of("root", work.resolve("hosts").toString(), "writeIntervalMillis", "60000"))).get("id").asText();
            String repository = a.post("/api/repositories",
                    Map.of("name", "shared", "path", work.resolve("repository").toString())).get("id").asText();
            List<String> jobs = new ArrayList<>();
            for (int i = 0; i < JOBS; i++) {
                String vm = a.post("/api/hosts/" + host + "/vms", Map.of("name", "vm" + i, "diskSizeBytes", 8L << 20,
                        "memoryBytes", 1L << 20, "canQuiesce", false)).get("id").asText();
                jobs.add(a.post("/api/jobs", Map.of("name", "job" + i, "schedule", "0/" + EVERY_SECONDS + " * * * * ?",
                        "vmIds", List.of(vm), "mode", "pause", "repositoryId", repository,
                        "retention", Map.of("keepLast", 2))).get("id").asText());
            }

            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> nodesThatRan(b).size() == 2 && firesSeen(b, jobs) >= 4);
            a.stop();
            Instant stopped = Instant.now();
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> firesAfter(b, jobs, stopped) >= 3);
            for (String job : jobs) {
                b.postEmpty("/api/jobs/" + job + "/disable");
            }
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() -> unfinished(b) == 0);

            for (String job : jobs) {
                List<Instant> fires = new ArrayList<>();
                for (JsonNode run : runsOf(b, job)) {
                    fires.add(Instant.parse(run.get("scheduledFor").asText()));
                }
                fires.sort(null);
                assertThat(fires).as("fires of %s", job).doesNotHaveDuplicates();
                for (int i = 1; i < fires.size(); i++) {
                    assertThat(Duration.between(fires.get(i - 1), fires.get(i)))
                            .as("no fire of %s missed between %s and %s", job, fires.get(i - 1), fires.get(i))
                            .isEqualTo(Duration.ofSeconds(EVERY_SECONDS));
                }
            }
            assertThat(nodesThatRan(b)).containsExactlyInAnyOrder("node-a", "node-b");
        }
    }

    private Map<String, String> node(String name) {
        Map<String, String> settings = new HashMap<>();
        settings.put("QUARKUS_DATASOURCE_JDBC_URL", database.url());
        settings.put("QUARKUS_DATASOURCE_USERNAME", database.user());
        settings.put("STILLPOINT_NODE", name);
        settings.put("STILLPOINT_DEMO_ENABLED", "false");
        settings.put("STILLPOINT_CLUSTER_DEAD_AFTER", "PT10S");
        return settings;
    }

    private static List<JsonNode> runs(ServerProcess server) throws Exception {
        List<JsonNode> runs = new ArrayList<>();
        server.get("/api/runs").forEach(runs::add);
        return runs;
    }

    private static List<JsonNode> runsOf(ServerProcess server, String job) throws Exception {
        return runs(server).stream().filter(r -> job.equals(r.path("jobId").asText())).toList();
    }

    private static long firesSeen(ServerProcess server, List<String> jobs) throws Exception {
        return runs(server).stream().filter(r -> jobs.contains(r.path("jobId").asText()))
                .map(r -> r.get("scheduledFor").asText()).distinct().count();
    }

    private static long firesAfter(ServerProcess server, List<String> jobs, Instant after) throws Exception {
        return runs(server).stream().filter(r -> jobs.contains(r.path("jobId").asText()))
                .map(r -> Instant.parse(r.get("scheduledFor").asText())).filter(t -> t.isAfter(after)).distinct().count();
    }

    private static java.util.Set<String> nodesThatRan(ServerProcess server) throws Exception {
        java.util.Set<String> nodes = new java.util.HashSet<>();
        for (JsonNode run : runs(server)) {
            nodes.add(run.path("node").asText());
        }
        return nodes;
    }

    private static long unfinished(ServerProcess server) throws Exception {
        return runs(server).stream().filter(r -> r.get("finishedAt").isNull()).count();
    }
}
