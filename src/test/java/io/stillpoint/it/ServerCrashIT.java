package io.stillpoint.it;

import io.stillpoint.testing.LibvirtLab;
import io.stillpoint.testing.TestFiles;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged server on a fresh home: the first start brings the embedded catalog and the demo; a
 * {@code kill -9} during a copy is recovered at the next start, on the same catalog.
 */
class ServerCrashIT {

    Path home;
    Path log;

    @BeforeEach
    void freshHome() throws Exception {
        home = Files.createTempDirectory("stillpoint-it-");
        log = home.resolveSibling(home.getFileName() + ".log");
    }

    @AfterEach
    void removeHome() throws Exception {
        TestFiles.deleteTree(home);
    }

    @Test
    void killDuringCopyIsRecoveredAtTheNextStart() throws Exception {
        String vmId;
        String runId;
        try (ServerProcess server = ServerProcess.start(home, log)) {
            JsonNode vms = server.get("/api/vms");
            assertThat(vms).extracting(vm -> vm.get("name").asText()).containsExactlyInAnyOrder("web01", "db01", "app01");
            assertThat(server.get("/api/repositories").get(0).get("name").asText()).isEqualTo("default");
            vmId = findVm(vms, "db01");

            runId = server.post("/api/vms/" + vmId + "/backup", Map.of("mode", "pause", "bandwidthLimit", 256 * 1024))
                    .get("id").asText();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                JsonNode run = server.get("/api/runs/" + runId);
                return "copy".equals(run.path("phase").asText()) && run.path("bytesCopied").asLong() > 0;
            });
            assertThat(partials()).isNotEmpty();
            server.kill();
        }

        try (ServerProcess server = ServerProcess.start(home, log)) {
            JsonNode run = server.get("/api/runs/" + runId);
            assertThat(run.get("status").asText()).isEqualTo("FAILED");
            assertThat(run.get("error").asText()).contains("interrupted");
            assertThat(server.get("/api/vms/" + vmId).get("state").asText()).isEqualTo("RUNNING");
            assertThat(server.get("/api/restore-points?vmId=" + vmId)).isEmpty();
            assertThat(partials()).isEmpty();

            String second = server.post("/api/vms/" + vmId + "/backup", Map.of("mode", "pause")).get("id").asText();
            await().atMost(Duration.ofSeconds(60)).until(() -> server.get("/api/runs/" + second).get("status").asText().equals("SUCCEEDED"));

            assertThat(server.stop()).isIn(0, 143);
        }
        assertThat(home.resolve("pg").resolve("postmaster.pid")).doesNotExist();
    }

    /**
     * An incremental copy shares the previous point's data: a kill in the middle must leave that point whole
     * and verifying, no half point, and the next run right (its tracking was lost with the process, so it
     * compares chunk digests and says why).
     */
    @Test
    void killDuringAnIncrementalCopyLeavesThePreviousPointWhole() throws Exception {
        String vmId;
        String previousId;
        String runId;
        try (ServerProcess server = ServerProcess.start(home, log)) {
            vmId = findVm(server.get("/api/vms"), "db01");
            String first = server.post("/api/vms/" + vmId + "/backup", Map.of("mode", "pause")).get("id").asText();
            JsonNode done = awaitRun(server, first);
            assertThat(done.get("status").asText()).as(done.path("error").asText()).isEqualTo("SUCCEEDED");
            previousId = done.get("restorePointId").asText();

            runId = server.post("/api/vms/" + vmId + "/backup", Map.of("mode", "pause", "bandwidthLimit", 16 * 1024))
                    .get("id").asText();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                JsonNode run = server.get("/api/runs/" + runId);
                return "copy".equals(run.path("phase").asText()) && !partials().isEmpty();
            });
            assertThat(server.get("/api/runs/" + runId).get("changeTracking").asText()).isEqualTo("differencing");
            server.kill();
        }

        try (ServerProcess server = ServerProcess.start(home, log)) {
            assertThat(server.get("/api/runs/" + runId).get("status").asText()).isEqualTo("FAILED");
            assertThat(partials()).isEmpty();
            assertThat(server.get("/api/restore-points?vmId=" + vmId)).extracting(p -> p.get("id").asText())
                    .containsExactly(previousId);
            assertVerifies(server, previousId);

            String next = server.post("/api/vms/" + vmId + "/backup", Map.of("mode", "pause")).get("id").asText();
            JsonNode run = awaitRun(server, next);
            assertThat(run.get("status").asText()).as(run.path("error").asText()).isEqualTo("SUCCEEDED");
            assertThat(run.get("changeTracking").asText()).isEqualTo("compare");
            assertThat(run.get("changeTrackingReason").asText()).isNotBlank();
            assertVerifies(server, run.get("restorePointId").asText());
            assertVerifies(server, previousId);
        }
    }

    /**
     * A libvirt domain's backup killed during its copy: the next start commits the overlay that the dead
     * server left on top, the domain runs on its own disks, nothing of Stillpoint's stays beside them, and
     * the admin's own checkpoint is untouched.
     */
    @Test
    void killDuringALibvirtCopyIsRecoveredOnTheDomain() throws Exception {
        try (LibvirtLab lab = new LibvirtLab()) {
            LibvirtLab.Domain domain = lab.define("crash", false, 64, 64, "");
            lab.start(domain);
            LibvirtLab.virsh("checkpoint-create-as", domain.uuid(), "mine");
            LibvirtLab.virsh("qemu-monitor-command", domain.uuid(), "--hmp",
                    "qemu-io -d /machine/peripheral/virtio-disk0/virtio-backend \"write -P 0xa1 0 16M\"");
            Path hostRoot = lab.root().resolve("host");
            String vmId;
            String runId;
            try (ServerProcess server = ServerProcess.start(home, log)) {
                server.post("/api/hosts", Map.of("name", lab.named("lv"), "type", "libvirt",
                        "settings", Map.of("uri", LibvirtLab.URI, "root", hostRoot.toString(), "imageDir",
                                lab.root().resolve("images").toString())));
                vmId = findVm(server.get("/api/vms"), domain.name());
                String repository = server.get("/api/repositories").get(0).get("id").asText();
                runId = server.post("/api/vms/" + vmId + "/backup", Map.of("mode", "pause", "repositoryId", repository,
                        "bandwidthLimit", 1024 * 1024)).get("id").asText();
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    JsonNode run = server.get("/api/runs/" + runId);
                    return "copy".equals(run.path("phase").asText()) && run.path("bytesCopied").asLong() > 0;
                });
                assertThat(LibvirtLab.virsh("domblklist", domain.uuid())).contains("overlay");
                server.kill();
            }

            try (ServerProcess server = ServerProcess.start(home, log)) {
                JsonNode run = server.get("/api/runs/" + runId);
                assertThat(run.get("status").asText()).isEqualTo("FAILED");
                assertThat(run.get("error").asText()).contains("interrupted");
                assertThat(server.get("/api/vms/" + vmId).get("state").asText()).isEqualTo("RUNNING");
                assertThat(LibvirtLab.virsh("domblklist", domain.uuid())).contains(domain.disks().get(0).toString())
                        .doesNotContain("overlay");
                assertThat(LibvirtLab.virsh("dumpxml", "--inactive", domain.uuid())).doesNotContain("overlay");
                assertThat(LibvirtLab.virsh("blockjob", domain.uuid(), "vda", "--info")).as("no block job").isBlank();
                for (Path folder : List.of(domain.directory(), hostRoot)) {
                    try (Stream<Path> entries = Files.list(folder)) {
                        assertThat(entries.map(p -> p.getFileName().toString())).doesNotContain(".stillpoint-snapshots");
                    }
                }
                assertThat(LibvirtLab.virsh("checkpoint-list", domain.uuid(), "--name").strip().split("\\s+"))
                        .as("the admin's checkpoint, and none of the dead run's").containsExactly("mine");
                assertThat(server.stop()).isIn(0, 143);
            }
        }
    }

    private static JsonNode awaitRun(ServerProcess server, String runId) {
        await().atMost(Duration.ofSeconds(120)).until(() -> List.of("SUCCEEDED", "FAILED", "CANCELLED")
                .contains(server.get("/api/runs/" + runId).get("status").asText()));
        try {
            return server.get("/api/runs/" + runId);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void assertVerifies(ServerProcess server, String pointId) throws Exception {
        server.postEmpty("/api/restore-points/" + pointId + "/verify");
        await().atMost(Duration.ofSeconds(120)).until(() -> !"RUNNING".equals(
                server.get("/api/restore-points/" + pointId).path("verifyStatus").asText()));
        JsonNode point = server.get("/api/restore-points/" + pointId);
        assertThat(point.get("verifyStatus").asText()).as(point.path("verifyProblems").asText()).isEqualTo("OK");
    }

    @Test
    void killDuringAnInPlaceRestoreLeavesTheGuestIntact() throws Exception {
        String vmId;
        String pointId;
        try (ServerProcess server = ServerProcess.start(home, log)) {
            vmId = findVm(server.get("/api/vms"), "web01");
            String runId = server.post("/api/vms/" + vmId + "/backup", Map.of("mode", "pause")).get("id").asText();
            await().atMost(Duration.ofSeconds(60)).until(() -> server.get("/api/runs/" + runId).get("status").asText().equals("SUCCEEDED"));
            pointId = server.get("/api/runs/" + runId).get("restorePointId").asText();
            assertThat(server.stop()).isIn(0, 143);
        }

        String restoreId;
        Path guest;
        try (ServerProcess server = ServerProcess.start(home, log, Map.of("STILLPOINT_COPY_BANDWIDTH_LIMIT", "262144"))) {
            guest = Path.of(server.get("/api/vms/" + vmId).get("directory").asText());
            restoreId = server.post("/api/restore-points/" + pointId + "/restore",
                    Map.of("target", "original", "stopVm", true, "startAfter", true)).get("id").asText();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                JsonNode progress = server.get("/api/restores/" + restoreId).path("progress");
                return progress.path("bytesDone").asLong() > 0;
            });
            server.kill();
        }

        try (ServerProcess server = ServerProcess.start(home, log)) {
            JsonNode restore = server.get("/api/restores/" + restoreId);
            assertThat(restore.get("status").asText()).isEqualTo("FAILED");
            assertThat(restore.get("error").asText()).contains("interrupted");
            assertThat(server.get("/api/vms/" + vmId).get("state").asText()).isEqualTo("RUNNING");
            for (Path disk : Files.newDirectoryStream(guest.resolve("Virtual Hard Disks"), "*.vhdx")) {
                assertThat(io.stillpoint.host.simulated.SimulatedDisks.check(disk).invalidBlocks()).as(disk.toString()).isZero();
            }
            try (Stream<Path> siblings = Files.list(guest.getParent())) {
                assertThat(siblings.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".restore-"));
            }
            assertThat(server.stop()).isIn(0, 143);
        }
    }

    @Test
    void aScheduleSurvivesARestart() throws Exception {
        String jobId;
        try (ServerProcess server = ServerProcess.start(home, log)) {
            String vmId = findVm(server.get("/api/vms"), "web01");
            String repository = server.get("/api/repositories").get(0).get("id").asText();
            jobId = server.post("/api/jobs", Map.of("name", "every-three-seconds", "schedule", "0/3 * * * * ?",
                    "vmIds", java.util.List.of(vmId), "mode", "pause", "repositoryId", repository,
                    "retention", Map.of("keepLast", 2))).get("id").asText();
            String job = jobId;
            await().atMost(Duration.ofSeconds(60)).until(() -> scheduledRuns(server, job) >= 1);
            assertThat(server.stop()).isIn(0, 143);
        }
        java.time.Instant restarted = java.time.Instant.now();
        try (ServerProcess server = ServerProcess.start(home, log)) {
            String job = jobId;
            assertThat(server.get("/api/jobs/" + job).get("enabled").asBoolean()).isTrue();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (JsonNode run : server.get("/api/runs")) {
                    if (job.equals(run.path("jobId").asText()) && "SUCCEEDED".equals(run.path("status").asText())
                            && java.time.Instant.parse(run.get("scheduledFor").asText()).isAfter(restarted)) {
                        return true;
                    }
                }
                return false;
            });
            assertThat(server.stop()).isIn(0, 143);
        }
    }

    private static long scheduledRuns(ServerProcess server, String jobId) throws Exception {
        long count = 0;
        for (JsonNode run : server.get("/api/runs")) {
            if (jobId.equals(run.path("jobId").asText()) && "SUCCEEDED".equals(run.path("status").asText())) {
                count++;
            }
        }
        return count;
    }

    private static String findVm(JsonNode vms, String name) {
        for (JsonNode vm : vms) {
            if (vm.get("name").asText().equals(name)) {
                return vm.get("id").asText();
            }
        }
        throw new AssertionError("no VM " + name);
    }

    private Stream<Path> partialsStream() throws Exception {
        Path repository = home.resolve("repository");
        return Files.exists(repository) ? Files.walk(repository, 2) : Stream.empty();
    }

    private java.util.List<Path> partials() throws Exception {
        try (Stream<Path> all = partialsStream()) {
            return all.filter(p -> p.getFileName().toString().endsWith(".partial")).toList();
        }
    }
}
