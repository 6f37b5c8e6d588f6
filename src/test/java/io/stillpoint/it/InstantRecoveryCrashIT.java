package io.stillpoint.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.stillpoint.host.qemu.QemuHypervisor;
import io.stillpoint.testing.QemuLab;
import io.stillpoint.testing.TestFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged server killed while it moves an instant recovery's disks: QEMU runs on its own, so the VM
 * keeps running; the next start undoes the half-done copy (the mirror cancelled, its file removed), says so,
 * and the finalize can be asked for again and finishes; the repository never held anything but the point.
 */
class InstantRecoveryCrashIT {

    private static final long DISK = 64L << 20;

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
    void killDuringFinalizeLeavesTheVmRunningAndTheFinalizeRestartable() throws Exception {
        try (QemuLab lab = new QemuLab(home.resolve("lab"))) {
            QemuLab.Guest guest = lab.start("ir-crash", 64, DISK);
            lab.write(guest, 0, 0xa1, 0, 48L << 20);
            Path hostRoot = lab.root().resolve("host");
            String recoveryId;
            String pointId;
            Path repository;
            Map<String, String> pointFiles;
            long pid;
            try (ServerProcess server = ServerProcess.start(home, log)) {
                String hostId = server.post("/api/hosts", Map.of("name", "crash", "type", "qemu",
                        "settings", Map.of("root", hostRoot.toString()))).get("id").asText();
                String vmId = server.post("/api/hosts/" + hostId + "/vms",
                        Map.of("qmpSocket", guest.qmpSocket().toString())).get("id").asText();
                JsonNode repo = server.get("/api/repositories").get(0);
                // The VM's folder in the repository: its restore points, and nothing else may appear there.
                repository = Path.of(repo.get("path").asText()).resolve(vmId);
                String runId = server.post("/api/vms/" + vmId + "/backup", Map.of("mode", "pause",
                        "repositoryId", repo.get("id").asText())).get("id").asText();
                await().atMost(Duration.ofSeconds(60)).until(() -> !server.get("/api/runs/" + runId).get("status")
                        .asText().matches("QUEUED|RUNNING"));
                pointId = server.get("/api/runs/" + runId).get("restorePointId").asText();
                pointFiles = digests(repository);

                JsonNode started = server.post("/api/restore-points/" + pointId + "/instant-recovery",
                        Map.of("name", "ir-crash-new"));
                recoveryId = started.get("id").asText();
                assertThat(started.get("state").asText()).isEqualTo("RUNNING");
                pid = pid(hostRoot);
                server.post("/api/instant-recoveries/" + recoveryId + "/finalize", Map.of("bandwidthLimit", 1 << 20));
                await().atMost(Duration.ofSeconds(60)).until(() -> server.get("/api/instant-recoveries/" + recoveryId)
                        .path("bytesMoved").asLong() > 0);
                assertThat(Files.exists(movedDisk(hostRoot))).isTrue();
                server.kill();
            }
            assertThat(QemuHypervisor.processRunning(pid)).as("QEMU runs on without the server").isTrue();

            try (ServerProcess server = ServerProcess.start(home, log)) {
                JsonNode recovery = server.get("/api/instant-recoveries/" + recoveryId);
                assertThat(recovery.get("state").asText()).isEqualTo("RUNNING");
                assertThat(recovery.get("error").asText()).contains("finalize it again");
                assertThat(QemuHypervisor.processRunning(pid)).isTrue();
                assertThat(pid(hostRoot)).as("the same QEMU, not a restarted one").isEqualTo(pid);
                assertThat(Files.exists(movedDisk(hostRoot), LinkOption.NOFOLLOW_LINKS)).as("the half copy is gone")
                        .isFalse();
                assertThat(digests(repository)).as("the repository holds the point, unchanged, and nothing else")
                        .isEqualTo(pointFiles);

                server.post("/api/instant-recoveries/" + recoveryId + "/finalize", Map.of());
                await().atMost(Duration.ofSeconds(120)).until(() -> !server.get("/api/instant-recoveries/" + recoveryId)
                        .get("state").asText().equals("FINALIZING"));
                JsonNode done = server.get("/api/instant-recoveries/" + recoveryId);
                assertThat(done.get("state").asText()).as(done.path("error").asText()).isEqualTo("FINALIZED");
                assertThat(QemuHypervisor.processRunning(pid)).isTrue();
                assertThat(digests(repository)).isEqualTo(pointFiles);
                assertThat(server.stop()).isIn(0, 143);
            }
            assertThat(QemuHypervisor.processRunning(pid)).as("a server stop leaves guests running").isTrue();
            // QEMU ends cleanly on SIGTERM, flushing the disk, which is then checked without a lock to share.
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
            await().atMost(Duration.ofSeconds(30)).until(() -> !QemuHypervisor.processRunning(pid));
            QemuLab.check(movedDisk(hostRoot));
            assertThat(QemuLab.holds(movedDisk(hostRoot), 0xa1, 0, 48L << 20)).isTrue();
        }
    }

    private static Path movedDisk(Path hostRoot) {
        return hostRoot.resolve("vms/ir-crash-new/ir-crash-new-disk0.qcow2");
    }

    private static long pid(Path hostRoot) throws IOException {
        return Long.parseLong(Files.readString(hostRoot.resolve("run/ir-crash-new/qemu.pid")).trim());
    }

    /** Every regular file under {@code folder} by relative path, with its SHA-256. */
    private static Map<String, String> digests(Path folder) throws Exception {
        Map<String, String> digests = new TreeMap<>();
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).toList()) {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                }
                digests.put(folder.relativize(file).toString(), HexFormat.of().formatHex(sha.digest()));
            }
        }
        return digests;
    }
}
