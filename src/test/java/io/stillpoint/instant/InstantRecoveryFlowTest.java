package io.stillpoint.instant;

import static io.stillpoint.testing.Api.awaitFinished;
import static io.stillpoint.testing.Api.backup;
import static io.stillpoint.testing.Api.json;
import static io.stillpoint.testing.LinuxConsole.assertConsecutive;
import static io.stillpoint.testing.LinuxGuestImage.BOOT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.stillpoint.catalog.Host;
import io.stillpoint.host.qemu.GuestRegistration;
import io.stillpoint.host.qemu.QemuHypervisor;
import io.stillpoint.host.qemu.QgaClient;
import io.stillpoint.inventory.HostRegistry;
import io.stillpoint.testing.Api;
import io.stillpoint.testing.LinuxConsole;
import io.stillpoint.testing.LinuxGuestImage;
import io.stillpoint.testing.QemuLab;
import io.stillpoint.testing.SimulatedLab;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Instant recovery of the real Linux guest (booted once for the class, its workload appending a synced number
 * to a file five times a second): a VM started from a restore point's files comes up at once and writes only to
 * its overlays; finalize moves its disks while the workload writes, and afterwards the VM runs from, and
 * restarts from, its own disks, and the point can be deleted. The source guest keeps running throughout.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InstantRecoveryFlowTest {

    private static final Duration NEXT_NUMBER = Duration.ofSeconds(30);
    private static final Duration AGENT = Duration.ofSeconds(5);

    @ConfigProperty(name = "stillpoint.home")
    Path home;

    @Inject
    HostRegistry hosts;

    private QemuLab lab;
    private String tag;
    private String hostId;
    private String vmId;
    private String repositoryId;
    private Path repository;
    private String pointId;

    /** Once for the class, in the first test's set-up: the guest, its host, a repository and one point. */
    @BeforeEach
    void backUpTheGuestOnce() throws IOException {
        if (lab != null) {
            return;
        }
        tag = UUID.randomUUID().toString().substring(0, 8);
        lab = new QemuLab(Files.createDirectories(home.resolve("ir-" + tag)));
        QemuLab.Guest guest = lab.boot("ir-" + tag, 256, LinuxGuestImage.bootDiskWithWorkload());
        hostId = json().body(Map.of("name", "ir-" + tag, "type", "qemu", "settings",
                        Map.of("root", lab.root().resolve("host").toString())))
                .post("/api/hosts").then().statusCode(201).extract().path("id");
        vmId = json().body(Map.of("qmpSocket", guest.qmpSocket().toString(), "guestAgentSocket",
                        guest.agentSocket().toString()))
                .post("/api/hosts/{id}/vms", hostId).then().statusCode(201).extract().path("id");
        repository = home.resolve("ir-repo-" + tag);
        repositoryId = Api.createRepository("ir-" + tag, repository);
        QemuLab.awaitAgent(guest, BOOT);
        new LinuxConsole(guest.consoleLog()).awaitNumber(2, BOOT);
        JsonPath run = awaitFinished("runs", backup(vmId, Map.of("mode", "online", "repositoryId", repositoryId)));
        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        pointId = run.getString("restorePointId");
    }

    @AfterAll
    void stopTheGuests() throws IOException {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void aVmRunsFromThePointAtOnceAndFinalizeMovesItWhileItWrites() throws Exception {
        Map<String, String> pointBefore = digests(pointFolder());
        long atPoint = LinuxGuestImage.inspect(pointFolder().resolve("files/disk0.qcow2")).lastSequence();
        String name = "ir-run-" + tag;

        long asked = System.nanoTime();
        JsonPath started = json().body(Map.of("name", name)).post("/api/restore-points/{id}/instant-recovery", pointId)
                .then().statusCode(201).extract().jsonPath();
        String id = started.getString("id");
        assertThat(started.getString("state")).isEqualTo("RUNNING");
        GuestRegistration guest = qemu().registration(name);
        QgaClient agent = new QgaClient(Path.of(guest.agentSocket()));
        await().atMost(BOOT).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .untilAsserted(() -> agent.call("guest-ping", Duration.ofSeconds(1)));
        System.out.printf("instant recovery: guest agent answered %.1f s after the request%n",
                (System.nanoTime() - asked) / 1e9);
        LinuxConsole console = new LinuxConsole(consoleLog(guest));
        assertThat(console.awaitFirstNumberOfBoot(1, BOOT)).as("the workload goes on from the point's disk")
                .isEqualTo(atPoint + 1);

        String newVmId = started.getString("vmId");
        assertThat(json().get("/api/vms").then().statusCode(200).extract().jsonPath().getList("findAll { it.id == '"
                + newVmId + "' }.state")).containsExactly("RUNNING");
        Path overlay = Path.of(guest.disks().get(0).file());
        assertThat(overlay.getParent()).isEqualTo(lab.root().resolve("host/vms").resolve(name));
        assertThat(backingFile(overlay)).isEqualTo(pointFolder().resolve("files/disk0.qcow2").toString());
        console.awaitNumber(console.sequence().size() + 1, NEXT_NUMBER);
        assertThat(digests(pointFolder())).as("nothing wrote into the restore point").isEqualTo(pointBefore);

        String refused = json().delete("/api/restore-points/{id}", pointId).then().statusCode(409)
                .contentType("application/problem+json").extract().path("detail");
        assertThat(refused).contains(id);
        assertThat(json().body(Map.of("mode", "pause", "repositoryId", repositoryId))
                .post("/api/vms/{id}/backup", newVmId).then().extract().statusCode())
                .as("no backup of a VM whose disks are overlays on a restore point").isEqualTo(409);
        assertRetentionKeepsThePointFor(id);

        int before = console.sequence().size();
        json().body(Map.of()).post("/api/instant-recoveries/{id}/finalize", id).then().statusCode(202)
                .body("state", org.hamcrest.Matchers.equalTo("FINALIZING"));
        JsonPath finalized = awaitState(id, "FINALIZED", "RUNNING");
        assertThat(finalized.getString("state")).as(finalized.getString("error")).isEqualTo("FINALIZED");

        GuestRegistration moved = qemu().registration(name);
        Path disk = Path.of(moved.disks().get(0).file());
        assertThat(disk.getFileName().toString()).isEqualTo(name + "-disk0.qcow2");
        assertThat(Files.exists(overlay)).as("the overlay is gone").isFalse();
        assertThat(backingFile(disk)).isNull();
        assertNothingOpenIn(moved, repository);
        assertThat(agent.call("guest-ping", AGENT).isObject()).isTrue();
        console.awaitNumber(console.sequence().size() + 1, NEXT_NUMBER);
        assertConsecutive(console.sequence().subList(before - 1, console.sequence().size()));
        assertThat(digests(pointFolder())).isEqualTo(pointBefore);
        assertThat(Files.exists(disk.resolveSibling(".stillpoint-owned"))).as("an ordinary guest's folder").isFalse();

        // An ordinary guest now: stopped, its disk checks out; started again, it boots from the moved disk.
        qemu().stop(name);
        QemuLab.check(disk);
        qemu().start(name);
        console.awaitBoots(2, BOOT);
        await().atMost(BOOT).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .untilAsserted(() -> agent.call("guest-ping", Duration.ofSeconds(1)));
        assertNothingOpenIn(qemu().registration(name), repository);

        json().delete("/api/restore-points/{id}", pointId).then().statusCode(204);
        pointId = null;
    }

    @Test
    void discardStopsTheVmAndRemovesItsOverlaysOnly() throws Exception {
        String point = pointId != null ? pointId : newPoint();
        Path pointFolder = repository.resolve(vmId).resolve(point);
        Map<String, String> pointBefore = digests(pointFolder);
        String name = "ir-gone-" + tag;
        String id = json().body(Map.of("name", name)).post("/api/restore-points/{id}/instant-recovery", point)
                .then().statusCode(201).extract().path("id");
        GuestRegistration guest = qemu().registration(name);
        Path folder = guest.directoryPath();
        assertThat(folder.resolve(".stillpoint-owned")).isRegularFile();

        JsonPath discarded = json().delete("/api/instant-recoveries/{id}", id).then().statusCode(200).extract().jsonPath();

        assertThat(discarded.getString("state")).isEqualTo("DISCARDED");
        assertThat(Files.exists(folder, LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(qemu().guests()).noneMatch(g -> g.name().equals(name));
        assertThat(digests(pointFolder)).isEqualTo(pointBefore);
        json().delete("/api/instant-recoveries/{id}", id).then().statusCode(409);
    }

    @Test
    void badRequestsAreRefusedAndChangeNothing() {
        String point = pointId != null ? pointId : newPoint();
        int before = json().get("/api/instant-recoveries?limit=1000").then().statusCode(200).extract().jsonPath().getList("id").size();

        json().body(Map.of("name", "x")).post("/api/restore-points/{id}/instant-recovery", UUID.randomUUID().toString())
                .then().statusCode(404);
        assertField(json().body(Map.of("name", " ")).post("/api/restore-points/{id}/instant-recovery", point)
                .then().statusCode(400).contentType("application/problem+json").extract().jsonPath(), "name");
        assertField(json().body(Map.of("name", "a/b")).post("/api/restore-points/{id}/instant-recovery", point)
                .then().statusCode(400).extract().jsonPath(), "name");
        assertField(json().body(Map.of("name", "ir-" + tag)).post("/api/restore-points/{id}/instant-recovery", point)
                .then().statusCode(400).extract().jsonPath(), "name");
        assertField(json().body(Map.of("name", "x", "hostId", "nope")).post("/api/restore-points/{id}/instant-recovery",
                point).then().statusCode(400).extract().jsonPath(), "hostId");

        String simulated = Api.createSimulatedHost("ir-sim-" + tag, home.resolve("ir-sim-" + tag));
        String simVm = Api.createVm(simulated, "ir-sim-vm-" + tag, SimulatedLab.DISK_BYTES, SimulatedLab.MEMORY_BYTES,
                false);
        JsonPath run = awaitFinished("runs", backup(simVm, Map.of("mode", "pause", "repositoryId", repositoryId)));
        JsonPath refused = json().body(Map.of("name", "x")).post("/api/restore-points/{id}/instant-recovery",
                run.getString("restorePointId")).then().statusCode(400).extract().jsonPath();
        assertField(refused, "restorePointId");
        assertThat(refused.getString("detail")).contains("simulated");
        assertField(json().body(Map.of("name", "x", "hostId", hostId)).post("/api/restore-points/{id}/instant-recovery",
                run.getString("restorePointId")).then().statusCode(400).extract().jsonPath(), "hostId");

        json().body(Map.of()).post("/api/instant-recoveries/{id}/finalize", UUID.randomUUID().toString())
                .then().statusCode(404);
        assertThat(json().get("/api/instant-recoveries?limit=1000").then().statusCode(200).extract().jsonPath().getList("id"))
                .hasSize(before);
        assertThat(qemu().guests()).noneMatch(g -> g.name().equals("x"));
    }

    /** A job keeping only its newest point runs, and prunes all but that one and the point the VM runs from. */
    private void assertRetentionKeepsThePointFor(String recoveryId) {
        String job = json().body(Map.of("name", "ir-keep-" + tag, "schedule", "0 0 2 * * ?", "vmIds", List.of(vmId),
                        "mode", "pause", "repositoryId", repositoryId, "retention", Map.of("keepLast", 1)))
                .post("/api/jobs").then().statusCode(201).extract().path("id");
        String run = json().post("/api/jobs/{id}/run", job).then().statusCode(202).extract().path("[0].id");
        assertThat(awaitFinished("runs", run).getString("status")).isEqualTo("SUCCEEDED");
        JsonPath prune = json().post("/api/jobs/{id}/prune?dryRun=true", job).then().statusCode(200).extract().jsonPath();
        List<String> keptBy = prune.getList("[0].points.findAll { it.restorePointId == '" + pointId
                + "' }.keptBy.flatten()");
        assertThat(keptBy).anyMatch(reason -> reason.contains("instant recovery " + recoveryId));
        json().get("/api/restore-points/{id}", pointId).then().statusCode(200);
        json().delete("/api/jobs/{id}", job).then().statusCode(204);
    }

    private static void assertField(JsonPath problem, String field) {
        assertThat(problem.getString("detail")).as(problem.prettify()).contains(field);
    }

    private String newPoint() {
        JsonPath run = awaitFinished("runs", backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));
        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        pointId = run.getString("restorePointId");
        return pointId;
    }

    private JsonPath awaitState(String id, String... states) {
        JsonPath[] last = new JsonPath[1];
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
            last[0] = json().get("/api/instant-recoveries/{id}", id).then().statusCode(200).extract().jsonPath();
            return List.of(states).contains(last[0].getString("state"))
                    && !(last[0].getString("state").equals("RUNNING") && last[0].getString("error") == null);
        });
        return last[0];
    }

    /** Neither QEMU's block graph nor its open files reach into {@code folder}. */
    private void assertNothingOpenIn(GuestRegistration guest, Path folder) throws IOException {
        String real = folder.toRealPath().toString();
        List<String> files = new ArrayList<>();
        for (JsonNode node : qemu().qmp(guest.name()).execute("query-named-block-nodes", Map.of("flat", true),
                Duration.ofSeconds(10))) {
            files.add(node.path("file").asText());
        }
        assertThat(files).noneMatch(f -> f.startsWith(real) || f.startsWith(folder.toString()));
        long pid = Long.parseLong(Files.readString(Path.of(guest.pidFile())).trim());
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    assertThat(Files.readSymbolicLink(fd).toString()).doesNotStartWith(real);
                } catch (java.nio.file.NoSuchFileException closed) {
                    // closed while listed
                }
            }
        }
    }

    private static String backingFile(Path image) throws IOException {
        JsonNode info = new com.fasterxml.jackson.databind.ObjectMapper().readTree(QemuLab.exec(List.of("qemu-img",
                "info", "-U", "--output=json", image.toString())));
        return info.hasNonNull("backing-filename") ? info.get("backing-filename").asText() : null;
    }

    /** Where the guest's QEMU appends its serial console: the file chardev its command line names. */
    private static Path consoleLog(GuestRegistration guest) {
        List<String> argv = guest.commandLine();
        for (int i = 1; i < argv.size(); i++) {
            if (argv.get(i - 1).equals("-chardev") && argv.get(i).startsWith("file,id=console0,")) {
                for (String part : argv.get(i).split(",")) {
                    if (part.startsWith("path=")) {
                        return Path.of(part.substring("path=".length()));
                    }
                }
            }
        }
        throw new AssertionError("no console chardev in " + argv);
    }

    private Path pointFolder() {
        return repository.resolve(vmId).resolve(pointId);
    }

    private QemuHypervisor qemu() {
        return hosts.of(QuarkusTransaction.requiringNew().call(() -> Host.byId(UUID.fromString(hostId)).orElseThrow()))
                .unwrap(QemuHypervisor.class).orElseThrow();
    }

    /** Every regular file under {@code folder} by relative path, with its SHA-256. */
    static Map<String, String> digests(Path folder) throws IOException, NoSuchAlgorithmException {
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
