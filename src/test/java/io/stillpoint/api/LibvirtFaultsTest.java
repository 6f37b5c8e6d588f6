package io.stillpoint.api;

import static io.stillpoint.testing.Api.awaitFinished;
import static io.stillpoint.testing.Api.backup;
import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.stillpoint.testing.Api;
import io.stillpoint.testing.LibvirtLab;
import io.stillpoint.testing.QemuLab;
import io.stillpoint.writer.libvirt.LibvirtSnapshotWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What goes wrong around a libvirt backup, on one persistent domain (booted once for the class): libvirtd
 * restarted or away, and the domain's QEMU killed, while the copy runs; the domain renamed, or undefined and
 * defined again, between two backups. Whatever happens, the domain ends on its own disks with nothing of
 * Stillpoint's left beside them, and a later backup works, comparing when the tracking is lost.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LibvirtFaultsTest {

    private static final long MIB = 1L << 20;
    private static final int A = 0xa1;
    private static final int B = 0xb2;
    /** Slow enough that the copy of the written MiBs lasts seconds, for the fault to land in it. */
    private static final long SLOW = 4 * MIB;
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private LibvirtLab lab;
    private LibvirtLab.Domain domain;
    private String name;
    private Path hostRoot;
    private String vmId;
    private String repositoryId;
    private Path repository;

    /** Once for the class, in the first test's set-up; then, before each test, the domain runs on its own disks. */
    @BeforeEach
    void aRunningDomain() throws IOException {
        if (lab == null) {
            lab = new LibvirtLab();
            domain = lab.define("faults", false, 64, 64, "");
            name = domain.name();
            hostRoot = lab.root().resolve("host");
            lab.start(domain);
            String hostId = json().body(Map.of("name", lab.named("lv"), "type", "libvirt", "settings", Map.of("uri",
                            LibvirtLab.URI, "root", hostRoot.toString(), "imageDir",
                            lab.root().resolve("images").toString(), "shutdownTimeoutMillis", "300")))
                    .post("/api/hosts").then().statusCode(201).extract().path("id");
            vmId = json().queryParam("hostId", hostId).get("/api/vms").then().statusCode(200).extract().jsonPath()
                    .getString("find { it.name == '" + name + "' }.id");
            assertThat(vmId).as("the domain is a VM of the host").isNotNull();
            repository = lab.root().resolve("repository");
            repositoryId = Api.createRepository(lab.named("repo"), repository);
        }
        if (!LibvirtLab.virsh("domstate", domain.uuid()).strip().equals("running")) {
            LibvirtLab.virsh("start", domain.uuid());
        }
    }

    @AfterAll
    void removeTheDomain() throws IOException {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void libvirtdRestartedDuringTheCopyEndsTheRunAndLeavesTheDomainOnItsOwnDisks() throws IOException {
        LibvirtLab.write(domain, "vda", A, 0, 16 * MIB);
        String runId = slowBackupInItsCopy();
        restartLibvirtd();
        JsonPath run = awaitFinished("runs", runId);

        assertThat(run.getString("status")).isIn("SUCCEEDED", "FAILED");
        if (run.getString("status").equals("FAILED")) {
            assertThat(run.getString("error")).as("a failure says what failed").contains("libvirt");
        } else {
            assertThat(QemuLab.holds(pointDisk(run), A, 0, 16 * MIB)).isTrue();
        }
        await().atMost(PATIENCE).until(() -> "RUNNING".equals(Api.vmState(vmId)));
        assertNothingLeftBehind(true);

        JsonPath next = awaitFinished("runs", backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));
        assertThat(next.getString("status")).as(next.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(QemuLab.holds(pointDisk(next), A, 0, 16 * MIB)).isTrue();
        assertNothingLeftBehind(true);
    }

    /** libvirtd is away from the copy until the release has begun: the release waits for it, then commits. */
    @Test
    void libvirtdDownUntilTheReleaseIsWaitedForAndTheOverlayCommitted() throws IOException {
        LibvirtLab.write(domain, "vda", B, 20 * MIB, 8 * MIB);
        String runId = slowBackupInItsCopy();
        String pid = Files.readString(Path.of("/run/libvirtd.pid")).strip();
        LibvirtLab.exec(List.of("kill", pid));
        try {
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20))
                    .until(() -> "release".equals(json().get("/api/runs/{id}", runId).then().extract().path("phase")));
        } finally {
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> !Files.exists(Path.of("/proc", pid)));
            startLibvirtd();
        }
        JsonPath run = awaitFinished("runs", runId);

        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(run.getString("error")).as("the snapshot was released").isNull();
        assertThat(QemuLab.holds(pointDisk(run), B, 20 * MIB, 8 * MIB)).isTrue();
        assertThat(Api.vmState(vmId)).isEqualTo("RUNNING");
        assertNothingLeftBehind(true);
    }

    /**
     * The copy reads hard links to the frozen disks, so the point stays whole; the overlay that a dead QEMU
     * left on top is merged offline, and the next point compares, since a killed QEMU stored no bitmap.
     */
    @Test
    void qemuKilledDuringTheCopyKeepsAWholePointAndTheNextOneCompares() throws IOException {
        String mine = "mine-" + System.nanoTime();
        LibvirtLab.virsh("checkpoint-create-as", domain.uuid(), mine);
        LibvirtLab.write(domain, "vda", A, 0, 16 * MIB);
        String runId = slowBackupInItsCopy();
        LibvirtLab.write(domain, "vda", B, 32 * MIB, MIB);
        long pid = Long.parseLong(Files.readString(Path.of("/run/libvirt/qemu", name + ".pid")).strip());
        LibvirtLab.exec(List.of("kill", "-9", Long.toString(pid)));
        JsonPath run = awaitFinished("runs", runId);

        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(QemuLab.holds(pointDisk(run), A, 0, 16 * MIB)).isTrue();
        assertThat(QemuLab.holds(pointDisk(run), B, 32 * MIB, MIB)).as("written after the snapshot").isFalse();
        assertThat(Api.vmState(vmId)).isEqualTo("OFF");
        assertThat(LibvirtLab.virsh("dumpxml", "--inactive", domain.uuid()))
                .contains("'" + domain.disks().get(0) + "'").doesNotContain(LibvirtSnapshotWriter.VIEWS_DIR);
        assertThat(QemuLab.holds(domain.disks().get(0), B, 32 * MIB, MIB)).as("the overlay was merged into the disk").isTrue();
        assertNothingLeftBehind(false);
        assertThat(checkpoints()).as("the admin's checkpoint is left").contains(mine);
        assertThat(LibvirtLab.exec(List.of("qemu-img", "info", domain.disks().get(0).toString())))
                .as("with its bitmap, and none of Stillpoint's").contains(mine)
                .doesNotContain("name: " + LibvirtSnapshotWriter.CHECKPOINT_PREFIX);

        LibvirtLab.virsh("start", domain.uuid());
        LibvirtLab.write(domain, "vda", B, 40 * MIB, MIB);
        JsonPath next = awaitFinished("runs", backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));
        assertThat(next.getString("status")).as(next.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(next.getString("changeTracking")).isEqualTo("compare");
        assertThat(next.getString("changeTrackingReason")).isNotBlank();
        assertThat(QemuLab.holds(pointDisk(next), A, 0, 16 * MIB)).isTrue();
        assertThat(QemuLab.holds(pointDisk(next), B, 32 * MIB, MIB)).as("written in the overlay before the kill").isTrue();
        assertThat(QemuLab.holds(pointDisk(next), B, 40 * MIB, MIB)).isTrue();
        assertNothingLeftBehind(true);
        LibvirtLab.virsh("checkpoint-delete", domain.uuid(), mine);
    }

    /**
     * The VM is the domain's UUID, which a rename keeps, checkpoints and all: the next point still reads
     * only what changed. (libvirt renames only a shut-off domain; {@code virsh destroy} asks QEMU to quit
     * first, so it stores its bitmaps.)
     */
    @Test
    void aRenamedDomainIsTheSameVmAndKeepsItsTracking() throws IOException {
        LibvirtLab.write(domain, "vda", A, 0, MIB);
        backUp();
        LibvirtLab.write(domain, "vda", B, 4 * MIB, MIB);
        LibvirtLab.virsh("destroy", domain.uuid());
        String renamed = lab.rename(domain, "renamed-" + System.nanoTime());
        try {
            LibvirtLab.virsh("start", domain.uuid());
            LibvirtLab.write(domain, "vda", B, 8 * MIB, MIB);

            JsonPath second = backUp();
            assertThat(second.getString("vmId")).isEqualTo(vmId);
            assertThat(second.getString("changeTracking")).as(second.getString("changeTrackingReason"))
                    .isEqualTo("bitmap");
            assertThat(QemuLab.holds(pointDisk(second), B, 4 * MIB, MIB)).as("written before the shutdown").isTrue();
            assertThat(QemuLab.holds(pointDisk(second), A, 0, MIB)).as("written before the first point").isTrue();
            assertThat(QemuLab.holds(pointDisk(second), B, 8 * MIB, MIB)).isTrue();
            assertNothingLeftBehind(true);
        } finally {
            LibvirtLab.virsh("destroy", domain.uuid());
            LibvirtLab.virsh("domrename", renamed, name);
        }
    }

    @Test
    void aDomainUndefinedAndDefinedAgainIsBackedUpByComparing() throws IOException {
        backUp();
        Path definition = lab.root().resolve("redefined.xml");
        Files.writeString(definition, LibvirtLab.virsh("dumpxml", "--inactive", domain.uuid()));
        LibvirtLab.virsh("destroy", domain.uuid());
        LibvirtLab.virsh("undefine", domain.uuid(), "--checkpoints-metadata");
        LibvirtLab.virsh("define", definition.toString());
        LibvirtLab.virsh("start", domain.uuid());
        LibvirtLab.write(domain, "vda", B, 12 * MIB, MIB);

        JsonPath second = backUp();
        assertThat(second.getString("changeTracking")).isEqualTo("compare");
        assertThat(second.getString("changeTrackingReason")).contains("gone");
        assertThat(QemuLab.holds(pointDisk(second), B, 12 * MIB, MIB)).isTrue();
        assertNothingLeftBehind(true);
    }

    private JsonPath backUp() {
        JsonPath run = awaitFinished("runs", backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));
        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        return run;
    }

    /** A backup whose copy is slowed down, once its copy has begun. */
    private String slowBackupInItsCopy() {
        String runId = backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId, "bandwidthLimit", SLOW));
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20))
                .until(() -> "copy".equals(json().get("/api/runs/{id}", runId).then().extract().path("phase")));
        return runId;
    }

    /** Kills this machine's libvirtd by its pid and starts it again; its domains keep running meanwhile. */
    private static void restartLibvirtd() throws IOException {
        Path pidFile = Path.of("/run/libvirtd.pid");
        String pid = Files.readString(pidFile).strip();
        LibvirtLab.exec(List.of("kill", pid));
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> !Files.exists(Path.of("/proc", pid)));
        startLibvirtd();
    }

    private static void startLibvirtd() throws IOException {
        LibvirtLab.exec(List.of("libvirtd", "-d"));
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> LibvirtLab.virsh("version").contains("libvirt"));
    }

    private Path pointDisk(JsonPath run) {
        return repository.resolve(vmId).resolve(run.getString("restorePointId")).resolve("files/vda/disk0.qcow2");
    }

    private List<String> checkpoints() throws IOException {
        return Arrays.stream(LibvirtLab.virsh("checkpoint-list", domain.uuid(), "--name").strip().split("\\s+"))
                .filter(c -> !c.isBlank()).toList();
    }

    private void assertNothingLeftBehind(boolean running) throws IOException {
        for (Path folder : List.of(domain.directory(), hostRoot)) {
            if (Files.exists(folder)) {
                try (Stream<Path> entries = Files.list(folder)) {
                    assertThat(entries.map(p -> p.getFileName().toString()))
                            .doesNotContain(LibvirtSnapshotWriter.VIEWS_DIR);
                }
            }
        }
        assertThat(LibvirtLab.virsh("domblklist", domain.uuid())).contains(domain.disks().get(0).toString())
                .doesNotContain("overlay");
        assertThat(LibvirtLab.virsh("dumpxml", "--inactive", domain.uuid())).doesNotContain("overlay");
        assertThat(checkpoints()).as("at most the checkpoint the next incremental needs")
                .filteredOn(c -> c.startsWith(LibvirtSnapshotWriter.CHECKPOINT_PREFIX)).hasSizeLessThanOrEqualTo(1);
        if (running) {
            assertThat(LibvirtLab.virsh("blockjob", domain.uuid(), "vda", "--info")).as("no block job").isBlank();
        }
        if (!running) {
            LibvirtLab.exec(List.of("qemu-img", "check", "-q", "-f", "qcow2", domain.disks().get(0).toString()));
        }
    }
}
