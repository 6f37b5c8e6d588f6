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
import io.stillpoint.testing.LinuxGuestImage;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A libvirt domain that boots the real Linux test guest, with qemu-ga answering on its channel: {@code
 * online} freezes and thaws its file systems through libvirt, and {@code auto} chooses it. Booted once for
 * the class.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LibvirtRealGuestTest {

    private static final String FREEZE_STATUS = "{\"execute\":\"guest-fsfreeze-status\"}";

    private LibvirtLab lab;
    private LibvirtLab.Domain domain;
    private String vmId;
    private String repositoryId;

    /** Once for the class, in the first test's set-up: the server answers HTTP only from then on. */
    @BeforeEach
    void bootTheGuest() throws IOException {
        if (lab != null) {
            return;
        }
        lab = new LibvirtLab();
        domain = lab.defineLinux("linux", LinuxGuestImage.bootDisk(), 256);
        lab.start(domain);
        await().atMost(LinuxGuestImage.BOOT).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> LibvirtLab.virsh("qemu-agent-command", domain.uuid(), "{\"execute\":\"guest-ping\"}")
                        .contains("return"));
        String hostId = json().body(Map.of("name", lab.named("lv"), "type", "libvirt", "settings", Map.of("uri",
                        LibvirtLab.URI, "root", lab.root().resolve("host").toString())))
                .post("/api/hosts").then().statusCode(201).extract().path("id");
        vmId = json().queryParam("hostId", hostId).get("/api/vms").then().statusCode(200).extract().jsonPath()
                .getString("find { it.name == '" + domain.name() + "' }.id");
        repositoryId = Api.createRepository(lab.named("repo"), lab.root().resolve("repository"));
    }

    @AfterAll
    void removeTheGuest() throws IOException {
        if (domain != null) {
            for (String checkpoint : LibvirtLab.virsh("checkpoint-list", domain.uuid(), "--name").strip().split("\\s+")) {
                if (!checkpoint.isBlank()) {
                    LibvirtLab.virsh("checkpoint-delete", domain.uuid(), checkpoint);
                }
            }
        }
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void aConnectedAgentMakesTheDomainQuiesce() {
        json().get("/api/vms/{id}", vmId).then().statusCode(200)
                .body("canQuiesce", org.hamcrest.Matchers.equalTo(true))
                .body("quiesceNote", org.hamcrest.Matchers.equalTo("a guest agent is connected"));
    }

    @Test
    void onlineFreezesTheGuestsFileSystemsThroughItsAgentAndThawsThem() throws IOException {
        JsonPath run = awaitFinished("runs", backup(vmId, Map.of("mode", "online", "repositoryId", repositoryId)));

        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(run.getString("mode")).isEqualTo("online");
        assertThat(run.getString("consistency")).isEqualTo("application");
        assertThat(LibvirtLab.virsh("qemu-agent-command", domain.uuid(), FREEZE_STATUS)).contains("thawed");
        assertThat(lab.state(domain)).isEqualTo("running");
        assertThat(lab.root().resolve("host").resolve("frozen").resolve(domain.uuid())).doesNotExist();
        assertThat(Files.exists(LibvirtLab.serialLog(domain.directory()))).isTrue();
    }

    @Test
    void autoChoosesOnlineForAGuestWhoseAgentAnswers() {
        JsonPath run = awaitFinished("runs", backup(vmId, Map.of("mode", "auto", "repositoryId", repositoryId)));

        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(run.getString("mode")).isEqualTo("online");
    }
}
