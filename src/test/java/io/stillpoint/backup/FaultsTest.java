package io.stillpoint.backup;

import static io.stillpoint.testing.Api.awaitFinished;
import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.stillpoint.catalog.Host;
import io.stillpoint.catalog.Vm;
import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.host.simulated.SimulatedHypervisor;
import io.stillpoint.host.simulated.SimulatedOperation;
import io.stillpoint.inventory.HostRegistry;
import io.stillpoint.inventory.WriterRegistry;
import io.stillpoint.testing.Api;
import io.stillpoint.writer.simulated.SimulatedSnapshotWriter;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Faults injected at each step of a run: whatever fails, the guest runs again, the run says why, and
 * no restore point or {@code .partial} directory is left.
 */
@QuarkusTest
class FaultsTest {

    private static final long MIB = 1024 * 1024;

    @ConfigProperty(name = "stillpoint.home")
    Path home;

    @Inject
    WriterRegistry writers;

    @Inject
    HostRegistry hosts;

    String hostId;
    String repositoryId;
    Path repository;

    @BeforeEach
    void createHost() throws IOException {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        hostId = Api.createSimulatedHost("faults-" + tag, Files.createDirectories(home.resolve("faults-" + tag)));
        repository = home.resolve("faults-repo-" + tag);
        repositoryId = Api.createRepository("faults-" + tag, repository);
    }

    @Test
    void writerFailingAtSnapshotLeavesTheGuestRunningAndNoRestorePoint() throws IOException {
        String vmId = Api.createVm(hostId, "snapfail", 16 * MIB, 16 * MIB, false);
        ((SimulatedSnapshotWriter) writers.byKind("simulated").orElseThrow())
                .failNextCreate("shadow copy storage is full");

        JsonPath run = awaitFinished("runs", Api.backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));

        assertFailedCleanly(vmId, run, "shadow copy storage is full");
    }

    @Test
    void aFailedResumeIsRetriedSoTheGuestIsNeverLeftSaved() throws IOException {
        String vmId = Api.createVm(hostId, "resumefail", 16 * MIB, 16 * MIB, false);
        simulated(vmId).failNext(ref(vmId), SimulatedOperation.START);

        JsonPath run = awaitFinished("runs", Api.backup(vmId, Map.of("mode", "save-state", "repositoryId", repositoryId)));

        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(Api.vmState(vmId)).isEqualTo("RUNNING");
    }

    @Test
    void holdFailingLeavesTheGuestRunning() throws IOException {
        String vmId = Api.createVm(hostId, "pausefail", 16 * MIB, 16 * MIB, false);
        simulated(vmId).failNext(ref(vmId), SimulatedOperation.PAUSE);

        JsonPath run = awaitFinished("runs", Api.backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));

        assertFailedCleanly(vmId, run, "PAUSE");
    }

    /** A repository that fills up half-way: a 1 MiB tmpfs, or where mounting is not allowed, a read-only one. */
    @Test
    void copyFailingHalfWayLeavesNoPartialAndNoRestorePoint() throws Exception {
        Path small = home.resolve("small-" + UUID.randomUUID());
        Files.createDirectories(small);
        boolean mounted = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small.toString())
                .inheritIO().start().waitFor() == 0;
        if (!mounted) {
            Files.setPosixFilePermissions(small, java.nio.file.attribute.PosixFilePermissions.fromString("r-xr-xr-x"));
        }
        try {
            String smallRepository = json().body(Map.of("name", "small-" + UUID.randomUUID(), "path", small.resolve("repo").toString()))
                    .post("/api/repositories").then().extract().path("id");
            String vmId = Api.createVm(hostId, "copyfail", 64 * MIB, 16 * MIB, false);
            awaitDataWritten(vmId);

            JsonPath run = awaitFinished("runs", Api.backup(vmId, Map.of("mode", "pause", "repositoryId",
                    smallRepository == null ? repositoryId : smallRepository)));

            if (mounted) {
                assertFailedCleanly(vmId, run, "no space left on device");
                try (Stream<Path> left = Files.walk(small.resolve("repo"))) {
                    assertThat(left.filter(Files::isRegularFile)
                            .filter(file -> !file.getFileName().toString().equals(OwnedFolder.MARKER))).isEmpty();
                }
            } else {
                assertThat(run.getString("status")).isEqualTo("FAILED");
            }
        } finally {
            if (mounted) {
                new ProcessBuilder("umount", small.toString()).inheritIO().start().waitFor();
            }
        }
    }

    private void assertFailedCleanly(String vmId, JsonPath run, String errorMentions) throws IOException {
        assertThat(run.getString("status")).isEqualTo("FAILED");
        assertThat(run.getString("error")).contains(errorMentions);
        assertThat(run.getString("restorePointId")).isNull();
        await().atMost(Duration.ofSeconds(10)).until(() -> Api.vmState(vmId).equals("RUNNING"));
        assertThat(json().get("/api/restore-points?vmId=" + vmId).then().extract().jsonPath().getList("$")).isEmpty();
        Path vmDir = repository.resolve(vmId);
        if (Files.exists(vmDir)) {
            try (Stream<Path> left = Files.list(vmDir)) {
                assertThat(left).isEmpty();
            }
        }
    }

    private void awaitDataWritten(String vmId) {
        await().atMost(Duration.ofSeconds(20)).until(() -> simulated(vmId).currentSequences(ref(vmId)).values().stream()
                .allMatch(sequence -> sequence > 600));
    }

    private SimulatedHypervisor simulated(String vmId) {
        Host host = QuarkusTransaction.requiringNew().call(() -> Host.byId(UUID.fromString(hostId)).orElseThrow());
        return hosts.of(host).unwrap(SimulatedHypervisor.class).orElseThrow();
    }

    private static String ref(String vmId) {
        return QuarkusTransaction.requiringNew().call(() -> Vm.byId(UUID.fromString(vmId)).orElseThrow().ref);
    }
}
