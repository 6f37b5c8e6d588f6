package io.stillpoint.api;

import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.stillpoint.testing.Api;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bad input gets a 4xx problem naming what is wrong, and changes nothing. */
@QuarkusTest
class BadInputTest {

    private static final long MIB = 1024 * 1024;

    @ConfigProperty(name = "stillpoint.home")
    Path home;

    String hostId;
    String vmId;
    String pointId;

    @BeforeEach
    void createVmWithARestorePoint() throws IOException {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        hostId = Api.createSimulatedHost("bad-" + tag, Files.createDirectories(home.resolve("bad-" + tag)));
        String repositoryId = Api.createRepository("bad-" + tag, home.resolve("bad-repo-" + tag));
        vmId = Api.createVm(hostId, "bad-vm", 16 * MIB, 16 * MIB, false);
        pointId = Api.awaitFinished("runs", Api.backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)))
                .getString("restorePointId");
    }

    @Test
    void unknownIdsAre404() {
        problem(json().get("/api/vms/{id}", UUID.randomUUID()), 404, "does not exist");
        problem(json().get("/api/vms/not-a-uuid"), 404, "not-a-uuid");
        problem(json().get("/api/runs/{id}", UUID.randomUUID()), 404, "run");
        problem(json().get("/api/restore-points/{id}", UUID.randomUUID()), 404, "restore point");
        problem(json().get("/api/restores/{id}", UUID.randomUUID()), 404, "restore");
        problem(json().get("/api/no-such-thing"), 404, "/api/no-such-thing");
        problem(json().body(Map.of()).post("/api/vms/{id}/backup", UUID.randomUUID()), 404, "VM");
    }

    @Test
    void invalidBackupRequestsAre400AndStartNothing() {
        int runs = count("/api/runs?vmId=" + vmId);
        problem(json().body(Map.of("mode", "snapshot-please")).post("/api/vms/{id}/backup", vmId), 400, "mode");
        problem(json().body(Map.of("writer", "nope")).post("/api/vms/{id}/backup", vmId), 400, "writer");
        problem(json().body(Map.of("writer", "hyperv-vss")).post("/api/vms/{id}/backup", vmId), 400,
                "only available on a Windows host");
        problem(json().body(Map.of("repositoryId", UUID.randomUUID())).post("/api/vms/{id}/backup", vmId), 400, "repositoryId");
        problem(json().body("{\"repositoryId\": \"not-a-uuid\"}").post("/api/vms/{id}/backup", vmId), 400, "repositoryId");
        problem(json().body("{\"mode\": ").post("/api/vms/{id}/backup", vmId), 400, "not valid JSON");
        problem(json().body(Map.of("bandwidthLimit", -5)).post("/api/vms/{id}/backup", vmId), 400, "bandwidthLimit");
        problem(json().get("/api/runs?vmId=xyz"), 400, "vmId");
        assertThat(count("/api/runs?vmId=" + vmId)).isEqualTo(runs);
    }

    @Test
    void invalidCreationsAre400AndStoreNothing() {
        int hosts = count("/api/hosts");
        int repositories = count("/api/repositories");
        int vms = count("/api/vms");
        problem(json().body(Map.of("name", "x", "type", "vmware")).post("/api/hosts"), 400, "type");
        problem(json().body(Map.of("name", "", "type", "simulated")).post("/api/hosts"), 400, "name");
        problem(json().body(Map.of("name", "no-root", "type", "simulated")).post("/api/hosts"), 400, "root");
        problem(json().body(Map.of("name", "r", "path", "relative/dir")).post("/api/repositories"), 400, "path");
        problem(json().body(Map.of("name", "bad/vm name", "diskSizeBytes", MIB, "memoryBytes", MIB))
                .post("/api/hosts/{id}/vms", hostId), 400, "name");
        problem(json().body(Map.of("name", "neg", "diskSizeBytes", -1, "memoryBytes", MIB))
                .post("/api/hosts/{id}/vms", hostId), 400, "diskSizeBytes");
        problem(json().body(Map.of("name", "wrongtype", "diskSizeBytes", "big", "memoryBytes", MIB))
                .post("/api/hosts/{id}/vms", hostId), 400, "diskSizeBytes");
        assertThat(count("/api/hosts")).isEqualTo(hosts);
        assertThat(count("/api/repositories")).isEqualTo(repositories);
        assertThat(count("/api/vms")).isEqualTo(vms);
    }

    @Test
    void restoresOutsideTheRootsAre400AndWriteNothing() throws IOException {
        Path roots = home.resolve("restores");
        Files.createDirectories(roots);
        Path outside = Files.createTempDirectory("stillpoint-outside-");
        Path planted = roots.resolve("escape-" + UUID.randomUUID());
        Files.createSymbolicLink(planted, outside);
        List<String> before = listing(roots);

        problem(restore(Map.of("target", "path", "path", roots.resolve("a/../../etc").toString())), 400, "..");
        problem(restore(Map.of("target", "path", "path", "/etc/stillpoint-restore")), 400, "outside the restore roots");
        problem(restore(Map.of("target", "path", "path", "relative/dir")), 400, "absolute");
        problem(restore(Map.of("target", "path", "path", planted.resolve("vm").toString())), 400, "outside the restore roots");
        problem(restore(Map.of("target", "path")), 400, "path");
        problem(restore(Map.of("target", "elsewhere")), 400, "target");
        problem(restore(Map.of()), 400, "target");

        assertThat(listing(roots)).isEqualTo(before);
        try (Stream<Path> written = Files.list(outside)) {
            assertThat(written).isEmpty();
        }
    }

    @Test
    void aBusyVmIs409() {
        String runId = Api.backup(vmId, Map.of("mode", "pause", "bandwidthLimit", 1));
        problem(json().body(Map.of("mode", "pause")).post("/api/vms/{id}/backup", vmId), 409, "busy");
        json().post("/api/runs/{id}/cancel", runId).then().statusCode(202);
        assertThat(Api.awaitFinished("runs", runId).getString("status")).isEqualTo("CANCELLED");
    }

    private io.restassured.response.Response restore(Map<String, Object> body) {
        return json().body(body).post("/api/restore-points/{id}/restore", pointId);
    }

    private static void problem(io.restassured.response.Response response, int status, String detailMentions) {
        response.then()
                .statusCode(status)
                .contentType("application/problem+json")
                .body("status", equalTo(status))
                .body("detail", containsString(detailMentions));
    }

    private static int count(String path) {
        return json().get(path).then().statusCode(200).extract().jsonPath().getList("$").size();
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> entries = Files.walk(dir)) {
            return entries.map(Path::toString).sorted().toList();
        }
    }
}
