package io.stillpoint.api;

import static io.stillpoint.testing.Api.awaitFinished;
import static io.stillpoint.testing.Api.backup;
import static io.stillpoint.testing.Api.json;
import static io.stillpoint.testing.LinuxConsole.assertConsecutive;
import static io.stillpoint.testing.LinuxGuestImage.BOOT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.stillpoint.catalog.Host;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.qemu.QgaClient;
import io.stillpoint.inventory.HostRegistry;
import io.stillpoint.testing.Api;
import io.stillpoint.testing.LinuxConsole;
import io.stillpoint.testing.LinuxGuestImage;
import io.stillpoint.testing.QemuLab;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A real Linux guest (booted once for the class, its workload appending a synced number to a file on its
 * ext4 root five times a second) registered over HTTP with its qemu-guest-agent, backed up through the run
 * pipeline and the qemu writer, and restored in place.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QemuLinuxGuestFlowTest {

    private static final Duration NEXT_NUMBER = Duration.ofSeconds(30);
    private static final Duration AGENT = Duration.ofSeconds(5);

    @ConfigProperty(name = "stillpoint.home")
    Path home;

    @Inject
    HostRegistry hosts;

    private QemuLab lab;
    private QemuLab.Guest guest;
    private LinuxConsole console;
    private QgaClient agent;
    private String hostId;
    private String vmId;
    private String repositoryId;
    private Path repository;

    /** Once for the class, in the first test's set-up: the server answers HTTP only from then on. */
    @BeforeEach
    void registerTheGuest() throws IOException {
        if (lab == null) {
            String tag = UUID.randomUUID().toString().substring(0, 8);
            lab = new QemuLab(Files.createDirectories(home.resolve("linux-" + tag)));
            guest = lab.boot("linux-" + tag, 256, LinuxGuestImage.bootDiskWithWorkload());
            console = new LinuxConsole(guest.consoleLog());
            agent = new QgaClient(guest.agentSocket());
            hostId = json().body(Map.of("name", "linux-" + tag, "type", "qemu", "settings",
                            Map.of("root", lab.root().resolve("host").toString())))
                    .post("/api/hosts").then().statusCode(201).extract().path("id");
            vmId = json().body(Map.of("qmpSocket", guest.qmpSocket().toString(), "guestAgentSocket",
                            guest.agentSocket().toString()))
                    .post("/api/hosts/{id}/vms", hostId).then().statusCode(201).extract().path("id");
            repository = home.resolve("linux-repo-" + tag);
            repositoryId = Api.createRepository("linux-" + tag, repository);
        } else if (!"RUNNING".equals(Api.vmState(vmId))) {
            // A test that failed with the guest down must not fail the others.
            host().start(guest.name());
        }
        QemuLab.awaitAgent(guest, BOOT);
        console.awaitNumber(console.sequence().size(), BOOT);
    }

    @AfterAll
    void stopTheGuest() throws IOException {
        if (lab != null) {
            lab.close();
        }
    }

    /**
     * The agent freezes the guest's ext4 for the snapshot, which flushes its journal: the point's file
     * system needs no replay, unlike a paused guest's, which is as a crash leaves it.
     */
    @Test
    void anOnlinePointIsApplicationConsistentAndAPausedOneIsNot() throws IOException {
        JsonPath online = awaitFinished("runs", backup(vmId, Map.of("mode", "online", "repositoryId", repositoryId)));

        assertThat(online.getString("status")).as(online.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(online.getString("consistency")).isEqualTo("application");
        assertThat(agent.call("guest-fsfreeze-status", AGENT).asText()).isEqualTo("thawed");
        LinuxGuestImage.RootFileSystem frozen = LinuxGuestImage.inspect(pointDisk(online));
        assertThat(frozen.needsRecovery()).as("a frozen ext4 has flushed its journal").isFalse();
        assertStartsAtOneWithoutAGap(frozen.sequence());

        JsonPath paused = awaitFinished("runs", backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));

        assertThat(paused.getString("status")).as(paused.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(paused.getString("consistency")).isEqualTo("crash");
        assertThat(LinuxGuestImage.inspect(pointDisk(paused)).needsRecovery()).as("a mounted ext4's journal")
                .isTrue();
        console.awaitNumber(console.sequence().size(), NEXT_NUMBER);
    }

    /**
     * An admin's own block job (a mirror) holds the guest's disk, so QEMU refuses the snapshot while the
     * guest is frozen: the run fails, and the guest is thawed and goes on writing.
     */
    @Test
    void aSnapshotThatFailsInsideTheFreezeLeavesTheGuestThawed() throws IOException {
        long size = lab.monitor(guest).execute("query-block", null, QemuLab.PATIENCE).get(0)
                .path("inserted").path("image").path("virtual-size").asLong();
        lab.monitor(guest).execute("blockdev-add", Map.of("driver", "null-co", "node-name", "sink", "size", size),
                QemuLab.PATIENCE);
        lab.monitor(guest).execute("blockdev-mirror", Map.of("job-id", "admin-mirror", "device", "vd0", "target", "sink",
                "sync", "full", "speed", 1), QemuLab.PATIENCE);
        JsonPath run;
        try {
            run = awaitFinished("runs", backup(vmId, Map.of("mode", "online", "repositoryId", repositoryId)));
        } finally {
            lab.monitor(guest).execute("block-job-cancel", Map.of("device", "admin-mirror", "force", true),
                    QemuLab.PATIENCE);
            await().atMost(QemuLab.PATIENCE).until(() -> lab.blockJobs(guest).isEmpty());
            lab.monitor(guest).execute("blockdev-del", Map.of("node-name", "sink"), QemuLab.PATIENCE);
        }

        assertThat(run.getString("status")).isEqualTo("FAILED");
        assertThat(run.getString("error")).contains("busy");
        assertThat(run.getString("restorePointId")).isNull();
        assertThat(agent.call("guest-fsfreeze-status", AGENT).asText()).isEqualTo("thawed");
        assertThat(Api.vmState(vmId)).isEqualTo("RUNNING");
        console.awaitNumber(console.sequence().size(), NEXT_NUMBER);
        assertThat(lab.blockNodes(guest)).noneMatch(n -> n.startsWith("sp-"));
        if (Files.isDirectory(repository.resolve(vmId))) {
            try (Stream<Path> left = Files.list(repository.resolve(vmId))) {
                assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".partial"));
            }
        }
    }

    @Test
    void aSaveStatePointResumesTheWorkloadWithoutAGapOrARestart() throws IOException {
        int boots = console.boots();
        int from = console.sequence().size();
        JsonPath run = awaitFinished("runs", backup(vmId, Map.of("mode", "save-state", "repositoryId", repositoryId)));

        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(run.getString("consistency")).isEqualTo("saved-state");
        console.awaitNumber(console.sequence().size(), NEXT_NUMBER);
        List<Long> since = console.sequence().subList(from - 1, console.sequence().size());
        assertConsecutive(since);
        assertThat(console.boots()).as("resumed, not booted again").isEqualTo(boots);
        assertThat(pointDisk(run).resolveSibling("vmstate.bin")).isRegularFile();
        assertStartsAtOneWithoutAGap(LinuxGuestImage.inspect(pointDisk(run)).sequence());
    }

    /** The guest is stopped, its folder replaced by the point's, and it boots from the point's disk. */
    @Test
    void aRestoreInPlaceBootsTheGuestFromThePointsDisk() throws IOException {
        JsonPath run = awaitFinished("runs", backup(vmId, Map.of("mode", "online", "repositoryId", repositoryId)));
        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        long atPoint = LinuxGuestImage.inspect(pointDisk(run)).lastSequence();
        console.awaitNumber(console.sequence().size(), NEXT_NUMBER);
        int boots = console.boots();

        JsonPath restore = restoreInPlace(run);

        assertThat(restore.getString("status")).as(restore.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(console.awaitFirstNumberOfBoot(boots + 1, BOOT)).as("the workload goes on from the point's disk")
                .isEqualTo(atPoint + 1);
        QemuLab.awaitAgent(guest, BOOT);
        assertThat(Api.vmState(vmId)).isEqualTo("RUNNING");
    }

    /**
     * The guest goes back to the point's instant and resumes from its saved memory: no boot, and the
     * workload goes on from where the point caught it, which is behind where it had got to since.
     */
    @Test
    void aRestoreInPlaceOfASaveStatePointResumesTheGuestAtThePointsInstant() throws IOException {
        JsonPath run = awaitFinished("runs", backup(vmId, Map.of("mode", "save-state", "repositoryId", repositoryId)));
        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        long atPoint = LinuxGuestImage.inspect(pointDisk(run)).lastSequence();
        // Two more numbers, so the guest has surely gone on past the point's instant.
        int from = console.sequence().size();
        console.awaitNumber(from + 1, NEXT_NUMBER);
        int boots = console.boots();

        JsonPath restore = restoreInPlace(run);

        assertThat(restore.getString("status")).as(restore.getString("error")).isEqualTo("SUCCEEDED");
        await().atMost(NEXT_NUMBER).until(() -> rewind(console.sequence(), from) > 0);
        int back = rewind(console.sequence(), from);
        console.awaitNumber(back + 2, NEXT_NUMBER);
        List<Long> sequence = console.sequence();
        // Each number is synced before it is printed: the point's disk holds the last one printed at the
        // save, or the one after it, whose print the saved memory had still to do.
        assertThat(sequence.get(back)).isBetween(atPoint, atPoint + 1);
        assertConsecutive(sequence.subList(back, sequence.size()));
        assertThat(console.boots()).as("resumed, not booted").isEqualTo(boots);
        assertThat(agent.call("guest-ping", AGENT).isObject()).isTrue();
    }

    /** Where the numbers from {@code from} on go back (the guest resumed at an earlier instant), or -1. */
    private static int rewind(List<Long> sequence, int from) {
        for (int i = Math.max(1, from); i < sequence.size(); i++) {
            if (sequence.get(i) <= sequence.get(i - 1)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Right after a start the guest's agent is not up yet: the guest cannot quiesce now and says why, so
     * auto saves its state instead of failing on the freeze; once the agent has opened its channel, it can.
     */
    @Test
    void autoSavesTheStateOfAGuestWhoseAgentIsNotUpYet() {
        Hypervisor host = host();
        host.stop(guest.name());
        host.start(guest.name());
        JsonPath booting = json().get("/api/vms/{id}", vmId).then().statusCode(200).extract().jsonPath();
        assertThat(booting.getBoolean("canQuiesce")).isFalse();
        assertThat(booting.getString("quiesceNote")).contains("qemu-guest-agent");

        JsonPath run = awaitFinished("runs", backup(vmId, Map.of("mode", "auto", "repositoryId", repositoryId)));

        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(run.getString("mode")).isEqualTo("save-state");
        await().atMost(BOOT).pollInterval(Duration.ofMillis(200)).until(() -> json().get("/api/vms/{id}", vmId)
                .then().statusCode(200).extract().jsonPath().getBoolean("canQuiesce"));
        assertThat(agent.call("guest-ping", AGENT).isObject()).isTrue();
    }

    private Hypervisor host() {
        return hosts.of(QuarkusTransaction.requiringNew().call(() -> Host.byId(UUID.fromString(hostId)).orElseThrow()));
    }

    private JsonPath restoreInPlace(JsonPath run) {
        String restoreId = json().body(Map.of("target", "original", "stopVm", true, "startAfter", true))
                .post("/api/restore-points/{id}/restore", run.getString("restorePointId"))
                .then().statusCode(202).extract().path("id");
        return awaitFinished("restores", restoreId);
    }

    private Path pointDisk(JsonPath run) {
        return repository.resolve(vmId).resolve(run.getString("restorePointId")).resolve("files/disk0.qcow2");
    }

    private static void assertStartsAtOneWithoutAGap(List<Long> sequence) {
        assertThat(sequence).isNotEmpty().startsWith(1L);
        assertConsecutive(sequence);
    }
}
