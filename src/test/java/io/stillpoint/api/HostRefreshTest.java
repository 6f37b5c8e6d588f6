package io.stillpoint.api;

import static io.restassured.RestAssured.given;
import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.stillpoint.catalog.Host;
import io.stillpoint.testing.Api;
import io.stillpoint.testing.CatalogTestResource;
import io.stillpoint.testing.hyperv.StandInWorld;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hyper-V hosts over the stand-ins (the server's configuration allows them), through the API: their VMs
 * are listed into the catalog and can be backed up; a VM gone from the host is marked, not deleted; a
 * host that does not answer marks nothing; settings that hold credentials are for admins' eyes; and a
 * host may name only the executables the server allows.
 */
@QuarkusTest
class HostRefreshTest {

    private static final String PASSWORD = "a-long-enough-password";
    private static StandInWorld world;

    @ConfigProperty(name = "stillpoint.home")
    Path home;

    private String tag;
    private String viewer;
    private String operator;

    @BeforeEach
    void setUp() throws IOException {
        if (world == null) {
            world = new StandInWorld(home.resolve(CatalogTestResource.HYPERV_WORLD));
            world.volume("C");
        }
        tag = UUID.randomUUID().toString().substring(0, 8);
        viewer = user("viewer");
        operator = user("operator");
    }

    @AfterAll
    static void closeWorld() throws InterruptedException {
        if (world != null) {
            world.close();
        }
    }

    private String user(String role) {
        String name = role + "-" + UUID.randomUUID().toString().substring(0, 8);
        json().body(Map.of("username", name, "password", PASSWORD, "role", role)).post("/api/users")
                .then().statusCode(201);
        return name;
    }

    /** With {@code remote} among the extra settings, diskshadow is the server's: it would run on the host. */
    private String hyperVHost(Map<String, String> extra) throws IOException {
        Map<String, String> settings = new HashMap<>(world.hostSettings());
        if (extra.containsKey("remote")) {
            settings.remove("diskshadow");
        }
        settings.putAll(extra);
        return json().body(Map.of("name", "hv-" + tag, "type", "hyperv", "settings", settings))
                .post("/api/hosts").then().statusCode(201).extract().path("id");
    }

    private JsonPath refresh(String hostId) {
        return given().auth().preemptive().basic(operator, PASSWORD).accept(ContentType.JSON)
                .post("/api/hosts/{id}/refresh", hostId).then().statusCode(200).extract().jsonPath();
    }

    private static String vmIdOf(String hostId, String ref) {
        List<Map<String, Object>> vms = json().get("/api/vms").then().statusCode(200).extract().jsonPath().getList("$");
        return vms.stream().filter(v -> hostId.equals(v.get("hostId")) && ref.equals(v.get("ref")))
                .map(v -> (String) v.get("id")).findFirst().orElseThrow(() -> new AssertionError(ref + " not cataloged"));
    }

    @Test
    void aHyperVVmAppearsAfterARefreshAndIsBackedUpThroughTheApi() throws IOException {
        String hostId = hyperVHost(Map.of());
        String ref = world.addVm("web 01 " + tag, false, "C", "C");

        JsonPath changes = refresh(hostId);

        assertThat(changes.getList("added.ref", String.class)).contains(ref);
        assertThat(changes.getString("error")).isNull();
        String vmId = vmIdOf(hostId, ref);
        json().get("/api/vms/{id}", vmId).then().statusCode(200).body("name", equalTo("web 01 " + tag))
                .body("present", equalTo(true)).body("state", equalTo("RUNNING"));
        assertThat(refresh(hostId).getList("added.ref", String.class)).as("a second refresh adds nothing").doesNotContain(ref);

        String repositoryId = Api.createRepository("hv-" + tag, home.resolve("repo-hv-" + tag));
        JsonPath run = Api.awaitFinished("runs", Api.backup(vmId, Map.of("mode", "pause", "writer", "hyperv-vss",
                "repositoryId", repositoryId)));

        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(run.getString("restorePointId")).isNotNull();
        assertThat(world.state(ref)).isEqualTo("Running");
    }

    @Test
    void aVmGoneFromItsHostIsMarkedVanishedAndKeepsItsRestorePoints() throws IOException {
        String hostId = hyperVHost(Map.of());
        String ref = world.addVm("gone-" + tag, false, "C", "C");
        refresh(hostId);
        String vmId = vmIdOf(hostId, ref);
        String repositoryId = Api.createRepository("gone-" + tag, home.resolve("repo-gone-" + tag));
        String pointId = Api.awaitFinished("runs", Api.backup(vmId, Map.of("mode", "pause", "writer", "hyperv-vss",
                "repositoryId", repositoryId))).getString("restorePointId");

        world.removeVm(ref);
        JsonPath changes = refresh(hostId);

        assertThat(changes.getList("vanished.ref", String.class)).containsExactly(ref);
        json().get("/api/vms/{id}", vmId).then().statusCode(200).body("present", equalTo(false))
                .body("vanishedAt", org.hamcrest.Matchers.notNullValue()).body("state", equalTo("UNKNOWN"));
        json().get("/api/restore-points/{id}", pointId).then().statusCode(200);
        assertThat(refresh(hostId).getList("vanished.ref", String.class)).as("marked once").isEmpty();

        String jobId = json().body(Map.of("name", "gone-" + tag, "schedule", "0 0 2 * * ?", "vmIds", List.of(vmId),
                "mode", "pause", "writer", "hyperv-vss", "repositoryId", repositoryId,
                "retention", Map.of("keepLast", 3))).post("/api/jobs").then().statusCode(201).extract().path("id");
        json().post("/api/jobs/{id}/run", jobId).then().statusCode(202);
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                json().get("/api/runs?vmId=" + vmId).then().extract().jsonPath().<Map<String, Object>>getList("$"))
                .anyMatch(run -> jobId.equals(run.get("jobId")) && "SKIPPED".equals(run.get("status"))
                        && String.valueOf(run.get("error")).contains("no longer listed by its host")));
    }

    @Test
    void aHostThatDoesNotAnswerMarksNothingVanishedAndSaysWhy() throws IOException {
        String hostId = hyperVHost(Map.of());
        String ref = world.addVm("stays-" + tag, false, "C", "C");
        refresh(hostId);
        String vmId = vmIdOf(hostId, ref);

        world.fault("host-unreachable");
        JsonPath changes = refresh(hostId);

        assertThat(changes.getString("error")).contains("WinRM cannot complete the operation");
        assertThat(changes.getList("vanished")).isEmpty();
        json().get("/api/hosts/{id}", hostId).then().statusCode(200)
                .body("lastRefreshError", containsString("WinRM cannot complete the operation"));
        json().get("/api/vms/{id}", vmId).then().statusCode(200).body("present", equalTo(true));

        assertThat(refresh(hostId).getString("error")).isNull();
        json().get("/api/hosts/{id}", hostId).then().statusCode(200).body("lastRefreshError", equalTo(null));
    }

    @Test
    void viewersMayNotRefreshNorAddAVmByHand() throws IOException {
        String hostId = hyperVHost(Map.of());

        given().auth().preemptive().basic(viewer, PASSWORD).post("/api/hosts/{id}/refresh", hostId)
                .then().statusCode(403);
        json().body(Map.of("name", "x", "diskSizeBytes", 1 << 20, "memoryBytes", 1 << 20))
                .post("/api/hosts/{id}/vms", hostId).then().statusCode(400)
                .body("detail", containsString("/refresh catalogs them"));
        json().post("/api/hosts/{id}/refresh", UUID.randomUUID()).then().statusCode(404);
    }

    @Test
    void credentialsInHostSettingsAreShownToAdminsOnly() throws IOException {
        String hostId = hyperVHost(Map.of("remote", "Invoke-Command -ComputerName HV01", "remoteUser", "HV01\\backup",
                "remotePassword", "S3cret-" + tag));
        UUID legacy = UUID.randomUUID();
        QuarkusTransaction.requiringNew().run(() -> {
            Host host = new Host();
            host.id = legacy;
            host.name = "legacy-" + tag;
            host.type = "hyperv";
            host.settings = Map.of("remote", "Invoke-Command -ComputerName hv01 -Credential (New-Object PSCredential('u',"
                    + " (ConvertTo-SecureString 'Old-" + tag + "' -AsPlainText -Force)))");
            host.createdAt = Instant.now();
            host.persist();
        });

        for (String path : List.of("/api/hosts", "/api/hosts/" + hostId, "/api/hosts/" + legacy)) {
            given().auth().preemptive().basic(viewer, PASSWORD).accept(ContentType.JSON).get(path).then()
                    .statusCode(200).body(not(containsString("S3cret-" + tag))).body(not(containsString("Old-" + tag)));
        }
        given().auth().preemptive().basic(viewer, PASSWORD).get("/api/hosts/{id}", hostId).then()
                .body("settings.remotePassword", equalTo("(hidden)")).body("settings.remote",
                        equalTo("Invoke-Command -ComputerName HV01"));
        json().get("/api/hosts/{id}", hostId).then().body("settings.remotePassword", equalTo("S3cret-" + tag));
    }

    @Test
    void aHostMayNameOnlyExecutablesTheServerAllowsAndNothingElseRuns() throws IOException {
        Path other = Files.createDirectories(home.resolve("planted-" + tag));
        Path marker = other.resolve("ran");
        Path planted = other.resolve("pwsh");
        Files.writeString(planted, "#!/bin/sh\ntouch '" + marker + "'\necho '[]'\n");
        Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwxr-xr-x"));
        int hosts = json().get("/api/hosts").then().extract().jsonPath().getList("$").size();

        json().body(Map.of("name", "hv-bad-" + tag, "type", "hyperv", "settings", Map.of("powershell", planted.toString())))
                .post("/api/hosts").then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("settings.powershell"))
                .body("detail", containsString("is not one of the executables the server's configuration allows"));
        Map<String, String> writable = new HashMap<>(world.hostSettings());
        Files.setPosixFilePermissions(world.powershell(), PosixFilePermissions.fromString("rwxrwxrwx"));
        try {
            json().body(Map.of("name", "hv-bad-" + tag, "type", "hyperv", "settings", writable)).post("/api/hosts")
                    .then().statusCode(400).body("errors[0].field", equalTo("settings.powershell"))
                    .body("detail", containsString("writable by its group or others"));
        } finally {
            Files.setPosixFilePermissions(world.powershell(), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        json().body(Map.of("name", "hv-bad-" + tag, "type", "hyperv", "settings", Map.of("powershell",
                        world.powershell().toString(), "remote", "Invoke-Command -ComputerName hv01; Start-Process calc")))
                .post("/api/hosts").then().statusCode(400).body("errors[0].field", equalTo("settings.remote"))
                .body("detail", not(containsString("settings.remote: remote:")));

        assertThat(marker).doesNotExist();
        assertThat(json().get("/api/hosts").then().extract().jsonPath().getList("$")).hasSize(hosts);
    }
}
