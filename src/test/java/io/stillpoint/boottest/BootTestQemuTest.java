package io.stillpoint.boottest;

import static io.stillpoint.boottest.BootTestApiTest.digests;
import static io.stillpoint.boottest.BootTestApiTest.startAndAwait;
import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.catalog.RunStatus;
import io.stillpoint.catalog.Vm;
import io.stillpoint.config.NodeName;
import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.testing.Api;
import io.stillpoint.testing.CatalogRows;
import io.stillpoint.testing.LinuxGuestImage;
import io.stillpoint.testing.QemuLab;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Boot tests of QEMU points in the sandbox QEMU (TCG): the real Linux guest passes, with its agent's
 * answer and a check command as evidence, and fails when its check command fails; a copy whose boot
 * sector was zeroed fails at once; a guest that hangs times out, or is cancelled with its sandbox gone.
 * The point's files stay byte-identical. The real guest boots twice in all.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BootTestQemuTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** A boot sector that loops for ever: {@code jmp $}, then the 0x55AA signature. */
    private static final byte[] HANGING_MBR = hangingMbr();

    @ConfigProperty(name = "stillpoint.home")
    Path home;

    @Inject
    BootTestRecovery recovery;

    @Inject
    NodeName node;

    private String vmId;
    private String repositoryId;
    private Path repository;

    @BeforeEach
    void createHostAndRepository() throws IOException {
        if (vmId != null) {
            return;
        }
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String hostId = json().body(Map.of("name", "sandbox-" + tag, "type", "qemu", "settings",
                        Map.of("root", Files.createDirectories(home.resolve("sandbox-host-" + tag)).toString())))
                .post("/api/hosts").then().statusCode(201).extract().path("id");
        repository = home.resolve("sandbox-repo-" + tag);
        repositoryId = Api.createRepository("sandbox-" + tag, repository);
        vmId = QuarkusTransaction.requiringNew().call(() -> {
            Vm vm = new Vm();
            vm.id = UUID.randomUUID();
            vm.hostId = UUID.fromString(hostId);
            vm.ref = "linux-" + tag;
            vm.name = "linux-" + tag;
            vm.memoryBytes = 256L << 20;
            vm.createdAt = Instant.now();
            vm.persist();
            return vm.id.toString();
        });
    }

    @Test
    void theRealGuestPassesWithItsAgentAndCheckCommandAndThePointStaysByteIdentical() throws IOException {
        String pointId = point(LinuxGuestImage.bootDisk(), "qcow2");
        Map<String, String> before = digests(pointDir(pointId));

        JsonPath test = startAndAwait(pointId, Map.of("checkCommand", List.of("/bin/sh", "-c", "echo root is $(cat /proc/mounts | grep -c ' / ')")));

        assertThat(test.getString("status")).as(test.getString("evidence")).isEqualTo("PASSED");
        assertThat(test.getString("evidence")).contains("guest-ping", "exited 0", "root is");
        assertThat(test.getLong("bootMillis")).isPositive();
        System.out.printf("boot test of the real guest: PASSED in %d ms: %s%n", test.getLong("bootMillis"),
                test.getString("evidence"));
        byte[] png = json().accept("image/png").get(test.getString("screenshotUrl")).then().statusCode(200)
                .extract().asByteArray();
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        String serial = json().accept("text/plain").get(test.getString("serialLogUrl")).then().statusCode(200)
                .extract().asString();
        assertThat(serial).contains(LinuxGuestImage.READY);
        assertThat(digests(pointDir(pointId))).as("the point's files, byte for byte").isEqualTo(before);
        assertNoSandboxLeft();
    }

    @Test
    void theRealGuestFailsWhenItsCheckCommandFails() throws IOException {
        String pointId = point(LinuxGuestImage.bootDisk(), "qcow2");

        JsonPath test = startAndAwait(pointId, Map.of("checkCommand", List.of("/bin/sh", "-c",
                "echo database not running; exit 3")));

        assertThat(test.getString("status")).isEqualTo("FAILED");
        assertThat(test.getString("evidence")).contains("exited 3", "database not running", "guest-ping");
        assertNoSandboxLeft();
    }

    @Test
    void aCopyWhoseBootSectorWasZeroedFailsWithEvidence() throws IOException {
        Path copy = Files.createTempDirectory(home, "zeroed-").resolve("disk0.qcow2");
        Files.copy(LinuxGuestImage.bootDisk(), copy);
        QemuLab.exec(List.of("qemu-io", "-f", "qcow2", "-c", "write -z 0 512", copy.toString()));
        String pointId = point(copy, "qcow2");
        Map<String, String> before = digests(pointDir(pointId));

        JsonPath test = startAndAwait(pointId, Map.of());

        assertThat(test.getString("status")).isEqualTo("FAILED");
        assertThat(test.getString("evidence")).contains("no bootable disk").doesNotContain(LinuxGuestImage.READY);
        assertThat(test.getString("screenshotUrl")).as("the firmware's screen").isNotNull();
        assertThat(digests(pointDir(pointId))).isEqualTo(before);
        assertNoSandboxLeft();
    }

    @Test
    void aGuestThatNeverComesUpTimesOut() throws IOException {
        String pointId = point(hangingDisk(), "raw");

        JsonPath test = startAndAwait(pointId, Map.of("timeoutSeconds", 3));

        assertThat(test.getString("status")).isEqualTo("FAILED");
        assertThat(test.getString("evidence")).contains("timed out after 3 s");
        assertNoSandboxLeft();
    }

    @Test
    void cancelStopsTheSandboxAndRemovesItsOverlays() throws IOException {
        String pointId = point(hangingDisk(), "raw");
        String testId = json().body(Map.of()).post("/api/restore-points/{id}/boot-test", pointId).then().statusCode(202)
                .extract().path("id");
        Path work = home.resolve("boot-tests/work").resolve(testId);
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.isRegularFile(work.resolve("disk0.qcow2"))
                && sandboxPid(testId) != null);
        long pid = sandboxPid(testId);

        json().delete("/api/restore-points/{id}/boot-test", pointId).then().statusCode(200)
                .body("status", org.hamcrest.Matchers.equalTo("CANCELLED"));

        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("the sandbox QEMU").isFalse();
        assertThat(work).doesNotExist();
        assertNoSandboxLeft();
    }

    @Test
    void aUefiPointIsRefusedAndStartsNothing() throws IOException {
        String pointId = point(hangingDisk(), "raw");
        Path launch = pointDir(pointId).resolve("files/launch.json");
        Files.writeString(launch, Files.readString(launch).replace("\"-m\",", "\"-drive\",\"if=pflash,format=raw,readonly=on,"
                + "file=/usr/share/OVMF/OVMF_CODE.fd\",\"-m\","));

        json().body(Map.of()).post("/api/restore-points/{id}/boot-test", pointId).then().statusCode(400)
                .contentType("application/problem+json").body("detail", org.hamcrest.Matchers.containsString("UEFI"));
        json().get("/api/restore-points/{id}/boot-test", pointId).then().statusCode(404);
    }

    /**
     * A crash leaves a running test, its QEMU and its work folder: recovery marks it interrupted, kills the
     * QEMU whose command line names the test's socket, removes the folder, and leaves another process alone.
     */
    @Test
    void recoveryEndsWhatACrashLeftAndKillsOnlyItsOwnQemu() throws Exception {
        String pointId = point(hangingDisk(), "raw");
        UUID ours = UUID.randomUUID();
        Path work = OwnedFolder.createNamedById(Files.createDirectories(home.resolve("boot-tests/work")),
                BootTestService.WORK_PURPOSE, ours).path();
        Files.writeString(work.resolve("disk0.qcow2"), "overlay");
        Process sandbox = idleQemu(work.resolve("qmp.sock"));
        Path elsewhere = Files.createTempDirectory(home, "not-ours-");
        Process other = idleQemu(elsewhere.resolve("qmp.sock"));
        UUID theirs = UUID.randomUUID();
        try {
            runningRow(ours, pointId, sandbox.pid());
            runningRow(theirs, point(hangingDisk(), "raw"), other.pid());

            assertThat(recovery.recover()).contains(ours, theirs);

            assertThat(sandbox.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).as("our sandbox QEMU was killed").isTrue();
            assertThat(other.isAlive()).as("a process whose command line is not the test's").isTrue();
            assertThat(work).doesNotExist();
            for (UUID id : List.of(ours, theirs)) {
                BootTest test = QuarkusTransaction.requiringNew().call(() -> BootTest.byId(id).orElseThrow());
                assertThat(test.status).isEqualTo("FAILED");
                assertThat(test.evidence).contains("interrupted");
            }
        } finally {
            sandbox.destroyForcibly();
            other.destroyForcibly();
        }
    }

    private void runningRow(UUID id, String pointId, long pid) {
        QuarkusTransaction.requiringNew().run(() -> {
            BootTest test = new BootTest();
            test.id = id;
            test.restorePointId = UUID.fromString(pointId);
            test.status = BootTest.RUNNING;
            test.kind = BootTestService.QEMU;
            test.startedAt = Instant.now();
            test.timeoutSeconds = 60;
            test.node = node.value();
            test.sandboxPid = pid;
            test.persist();
        });
    }

    private static Process idleQemu(Path qmpSocket) throws Exception {
        Process qemu = new ProcessBuilder("/usr/bin/qemu-system-x86_64", "-machine", "none", "-display", "none",
                "-nodefaults", "-qmp", "unix:" + qmpSocket + ",server=on,wait=off").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(qmpSocket));
        return qemu;
    }

    private Long sandboxPid(String testId) {
        return QuarkusTransaction.requiringNew().call(() -> BootTest.byId(UUID.fromString(testId)).orElseThrow().sandboxPid);
    }

    private void assertNoSandboxLeft() throws IOException {
        Path work = home.resolve("boot-tests/work");
        if (Files.isDirectory(work)) {
            try (Stream<Path> left = Files.list(work)) {
                assertThat(left).as("work folders left").isEmpty();
            }
        }
        try (Stream<ProcessHandle> processes = ProcessHandle.allProcesses()) {
            assertThat(processes.filter(p -> p.info().commandLine().orElse("").contains(work.toString())))
                    .as("sandbox QEMUs left").isEmpty();
        }
    }

    /** A restore point of a QEMU guest as the qemu writer lays one out, holding a copy of {@code disk}. */
    private String point(Path disk, String format) throws IOException {
        UUID pointId = UUID.randomUUID();
        String relative = vmId + "/" + pointId;
        Path files = Files.createDirectories(repository.resolve(relative).resolve("files"));
        Path copy = files.resolve("disk0." + format);
        Files.copy(disk, copy);
        Map<String, Object> launch = new LinkedHashMap<>();
        launch.put("name", "linux");
        launch.put("memoryBytes", 256L << 20);
        launch.put("disks", List.of(Map.of("node", "vd0", "format", format, "file", "${DIR}/disk0." + format,
                "device", "/machine/peripheral/vd0/virtio-backend")));
        launch.put("commandLine", List.of("/usr/bin/qemu-system-x86_64", "-name", "linux", "-m", "256",
                "-blockdev", "{\"driver\":\"file\",\"node-name\":\"vd0-file\",\"filename\":\"${DIR}/disk0." + format + "\"}",
                "-blockdev", "{\"driver\":\"" + format + "\",\"node-name\":\"vd0\",\"file\":\"vd0-file\"}",
                "-device", "virtio-blk-pci,drive=vd0,id=vd0"));
        Files.write(files.resolve("launch.json"), JSON.writeValueAsBytes(launch));
        Files.writeString(repository.resolve(relative).resolve("manifest.json"), "{}");
        UUID runId = CatalogRows.run(vmId, repositoryId, RunStatus.SUCCEEDED, node.value());
        QuarkusTransaction.requiringNew().run(() -> {
            RestorePoint p = new RestorePoint();
            p.id = pointId;
            p.vmId = UUID.fromString(vmId);
            p.runId = runId;
            p.repositoryId = UUID.fromString(repositoryId);
            p.createdAt = Instant.now();
            p.catalogedAt = Instant.now();
            p.mode = "stop";
            p.consistency = "offline";
            p.writer = "qemu";
            p.relativePath = relative;
            p.manifestSha256 = "0".repeat(64);
            p.persist();
        });
        return pointId.toString();
    }

    private Path pointDir(String pointId) {
        return repository.resolve(vmId).resolve(pointId);
    }

    private Path hangingDisk() throws IOException {
        Path disk = Files.createTempDirectory(home, "hanging-").resolve("disk0.raw");
        byte[] image = new byte[1 << 20];
        System.arraycopy(HANGING_MBR, 0, image, 0, HANGING_MBR.length);
        Files.write(disk, image);
        return disk;
    }

    private static byte[] hangingMbr() {
        byte[] mbr = new byte[512];
        mbr[0] = (byte) 0xEB;
        mbr[1] = (byte) 0xFE;
        mbr[510] = 0x55;
        mbr[511] = (byte) 0xAA;
        return mbr;
    }
}
