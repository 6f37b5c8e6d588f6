package io.stillpoint.api;

import static io.stillpoint.testing.Api.awaitFinished;
import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.stillpoint.testing.Api;
import io.stillpoint.testing.QemuLab;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A guest is called what its hypervisor lets it be called ("web 01", as Hyper-V allows); only the folder
 * made for it is confined. A wrong name is refused naming the field once.
 */
@QuarkusTest
class GuestNamesFlowTest {

    private static final long MIB = 1L << 20;

    @ConfigProperty(name = "stillpoint.home")
    Path home;

    private String tag;

    @BeforeEach
    void tag() {
        tag = UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void aSimulatedGuestTakesAHyperVStyleNameAndARestoredCopyToo() throws IOException {
        Path root = Files.createDirectories(home.resolve("names-" + tag));
        String hostId = Api.createSimulatedHost("names-" + tag, root);

        String vmId = Api.createVm(hostId, "web 01", 64 * MIB, 16 * MIB, false);
        JsonPath vm = json().get("/api/vms/{id}", vmId).then().statusCode(200).extract().jsonPath();
        assertThat(vm.getString("name")).isEqualTo("web 01");
        assertThat(Path.of(vm.getString("directory"))).isEqualTo(root.resolve("web 01"));

        String odd = Api.createVm(hostId, "..Büro: alt?", 64 * MIB, 16 * MIB, false);
        JsonPath oddVm = json().get("/api/vms/{id}", odd).then().statusCode(200).extract().jsonPath();
        assertThat(oddVm.getString("name")).isEqualTo("..Büro: alt?");
        assertThat(Path.of(oddVm.getString("directory")).getParent()).isEqualTo(root);
        assertThat(Path.of(oddVm.getString("directory")).getFileName().toString()).matches("B_ro_ alt_-[0-9a-f]{8}");

        String repositoryId = Api.createRepository("names-" + tag, home.resolve("names-repo-" + tag));
        String pointId = awaitFinished("runs", Api.backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)))
                .getString("restorePointId");
        JsonPath restore = awaitFinished("restores", json().body(Map.of("target", "new-vm", "name", "web 01 (copy)"))
                .post("/api/restore-points/{id}/restore", pointId).then().statusCode(202).extract().path("id"));
        assertThat(restore.getString("status")).as(restore.getString("error")).isEqualTo("SUCCEEDED");
        json().get("/api/vms/{id}", restore.getString("newVmId")).then().statusCode(200)
                .body("name", equalTo("web 01 (copy)")).body("directory", equalTo(root.resolve("web 01 (copy)").toString()));
    }

    @Test
    void aNameNoHypervisorTakesIsRefusedNamingTheFieldOnce() throws IOException {
        String hostId = Api.createSimulatedHost("badnames-" + tag, Files.createDirectories(home.resolve("badnames-" + tag)));

        json().body(Map.of("name", "a/b", "diskSizeBytes", 64 * MIB, "memoryBytes", 16 * MIB))
                .post("/api/hosts/{id}/vms", hostId).then().statusCode(400).contentType("application/problem+json")
                .body("detail", equalTo("name: must not contain '/' or '\\': 'a/b'"))
                .body("errors[0].field", equalTo("name"));
    }

    @Test
    void aQemuGuestWithoutANameIsToldSoOnceAndMayBeGivenOneWithBlanks() throws IOException {
        QemuLab lab = new QemuLab(Files.createDirectories(home.resolve("q" + tag)));
        try {
            QemuLab.Guest guest = lab.prepare("nameless", 16 * MIB);
            List<String> argv = new ArrayList<>(QemuLab.commandLine(guest, 64));
            int at = argv.indexOf("-name");
            argv.remove(at + 1);
            argv.remove(at);
            QemuLab.exec(argv);
            String hostId = json().body(Map.of("name", "qnames-" + tag, "type", "qemu", "settings",
                            Map.of("root", lab.root().resolve("host").toString())))
                    .post("/api/hosts").then().statusCode(201).extract().path("id");

            json().body(Map.of("qmpSocket", guest.qmpSocket().toString())).post("/api/hosts/{id}/vms", hostId)
                    .then().statusCode(400).body("errors[0].field", equalTo("name"))
                    .body("detail", equalTo("name: the guest needs a name: QEMU's -name, or the 'name' setting"));

            json().body(Map.of("qmpSocket", guest.qmpSocket().toString(), "name", "web 01"))
                    .post("/api/hosts/{id}/vms", hostId).then().statusCode(201).body("name", equalTo("web 01"));
            assertThat(lab.root().resolve("host/guests/web 01.json")).isRegularFile();
        } finally {
            lab.close();
        }
    }
}
