package io.stillpoint.api;

import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.stillpoint.backup.BackupMode;
import io.stillpoint.backup.RunRecovery;
import io.stillpoint.catalog.BackupRun;
import io.stillpoint.catalog.Host;
import io.stillpoint.catalog.RunStatus;
import io.stillpoint.catalog.Vm;
import io.stillpoint.config.NodeName;
import io.stillpoint.host.GuestState;
import io.stillpoint.host.HoldMode;
import io.stillpoint.inventory.HostRegistry;
import io.stillpoint.testing.Api;
import io.stillpoint.testing.LibvirtLab;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A libvirt host added over HTTP: every domain of the connection is a VM with its state, memory, disks and
 * agent channel; one with disks Stillpoint cannot snapshot says why and is refused a backup; domains
 * defined and undefined later come and go with a refresh; URIs that could run a program, or that lead
 * nowhere, are refused naming the setting.
 */
@QuarkusTest
class LibvirtHostFlowTest {

    private static final String NETWORK_DISK = "<disk type='network' device='disk'><driver name='qemu' type='raw'/>"
            + "<source protocol='nbd' name='export'><host name='127.0.0.1' port='10809'/></source>"
            + "<target dev='vdb' bus='virtio'/></disk>";
    private static final String BLOCK_DISK = "<disk type='block' device='disk'><driver name='qemu' type='raw'/>"
            + "<source dev='/dev/stillpoint-no-such-device'/><target dev='vdc' bus='virtio'/></disk>";

    private static LibvirtLab lab;
    private static LibvirtLab.Domain db;
    private static LibvirtLab.Domain odd;
    private static Path shared;

    @ConfigProperty(name = "stillpoint.home")
    Path home;

    @Inject
    HostRegistry hosts;

    @Inject
    RunRecovery recovery;

    @Inject
    NodeName node;

    @BeforeAll
    static void defineDomains() throws IOException {
        lab = new LibvirtLab();
        shared = Files.createDirectories(lab.root().resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        LibvirtLab.exec(List.of("qemu-img", "create", "-q", "-f", "qcow2", shared.resolve("data.qcow2").toString(), "16M"));
        db = lab.define("db01", true, 64, 32, "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                + "<source file='" + shared.resolve("data.qcow2") + "'/><target dev='vdb' bus='virtio'/></disk>");
        lab.start(db);
        odd = lab.define("odd", false, 32, 16, NETWORK_DISK + BLOCK_DISK);
    }

    @AfterAll
    static void removeDomains() throws IOException {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void everyDomainIsAVmAndOneStillpointCannotSnapshotSaysWhyAndIsRefused() {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String hostId = json().body(Map.of("name", "lv-" + tag, "type", "libvirt", "settings", Map.of("uri", LibvirtLab.URI,
                        "root", home.resolve("lv-" + tag).toString(), "shutdownTimeoutMillis", "300")))
                .post("/api/hosts").then().statusCode(201).body("type", equalTo("libvirt")).extract().path("id");

        JsonPath vms = json().get("/api/vms").then().statusCode(200).extract().jsonPath();
        Map<String, Object> dbVm = vms.getMap("find { it.name == '" + db.name() + "' && it.hostId == '" + hostId + "' }");
        assertThat(dbVm).containsEntry("ref", db.uuid())
                .containsEntry("state", "RUNNING").containsEntry("canQuiesce", false)
                .containsEntry("directory", db.directory().toString()).containsEntry("backupBlockedReason", null);
        assertThat((String) dbVm.get("quiesceNote")).as("its agent channel is configured, but SeaBIOS runs no agent")
                .contains("channel is configured", "no agent is connected");
        assertThat(((Number) dbVm.get("memoryBytes")).longValue()).isEqualTo(64L << 20);
        assertThat(dbVm.get("disks")).isEqualTo(List.of("disk0.qcow2", shared.resolve("data.qcow2").toString()));

        Map<String, Object> oddVm = vms.getMap("find { it.name == '" + odd.name() + "' && it.hostId == '" + hostId + "' }");
        assertThat(oddVm).containsEntry("state", "OFF").containsEntry("canQuiesce", false)
                .containsEntry("quiesceNote", "no guest agent channel (org.qemu.guest_agent.0) is configured");
        assertThat((String) oddVm.get("backupBlockedReason")).contains("disk 'vdb'", "type='network'", "disk 'vdc'",
                "type='block'");

        String repositoryId = Api.createRepository("lv-" + tag, home.resolve("repo-lv-" + tag));
        int runsBefore = json().get("/api/runs").then().statusCode(200).extract().jsonPath().getList("$").size();
        json().body(Map.of("repositoryId", repositoryId)).post("/api/vms/{id}/backup", oddVm.get("id")).then().statusCode(400)
                .contentType("application/problem+json").body("detail", containsString("type='network'"))
                .body("detail", containsString(odd.name()));
        assertThat(json().get("/api/runs").then().statusCode(200).extract().jsonPath().getList("$")).hasSize(runsBefore);

        String jobId = json().body(Map.of("name", "lv-job-" + tag, "schedule", "0 0 2 * * ?", "vmIds",
                        List.of(oddVm.get("id")), "mode", "pause", "repositoryId", repositoryId, "retention",
                        Map.of("keepLast", 1)))
                .post("/api/jobs").then().statusCode(201).extract().path("id");
        json().post("/api/jobs/{id}/run", jobId).then().statusCode(202);
        Map<String, Object> run = json().get("/api/runs").then().statusCode(200).extract().jsonPath()
                .getMap("find { it.jobId == '" + jobId + "' }");
        assertThat(run).containsEntry("vmId", oddVm.get("id")).containsEntry("status", "FAILED");
        assertThat((String) run.get("error")).contains(odd.name(), "type='network'");
    }

    /**
     * {@code auto} takes {@code online} only where an agent answers: a domain with the agent's channel but no
     * agent behind it (SeaBIOS runs none) has its state saved instead of a run failing on the freeze.
     */
    @Test
    void autoSavesTheStateOfADomainWhoseAgentChannelHasNoAgentBehindIt() {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String hostId = json().body(Map.of("name", "lv-" + tag, "type", "libvirt", "settings", Map.of("uri", LibvirtLab.URI,
                        "root", home.resolve("lv-" + tag).toString(), "shutdownTimeoutMillis", "300")))
                .post("/api/hosts").then().statusCode(201).extract().path("id");
        String vmId = json().queryParam("hostId", hostId).get("/api/vms").then().statusCode(200).extract().jsonPath()
                .getString("find { it.name == '" + db.name() + "' }.id");
        String repositoryId = Api.createRepository("lv-" + tag, home.resolve("repo-lv-" + tag));

        JsonPath run = Api.awaitFinished("runs", Api.backup(vmId, Map.of("mode", "auto", "repositoryId", repositoryId)));

        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(run.getString("mode")).isEqualTo("save-state");
        assertThat(run.getString("consistency")).isEqualTo("saved-state");
        assertThat(Api.vmState(vmId)).isEqualTo("RUNNING");
    }

    /** The server died holding the domain: recovery at start-up finds the run's hold and undoes it. */
    @ParameterizedTest
    @EnumSource(value = HoldMode.class, names = {"PAUSE", "SAVE_STATE", "STOP"})
    void recoveryResumesADomainARunOfThisNodeLeftHeld(HoldMode mode) throws IOException {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String hostId = json().body(Map.of("name", "lv-" + tag, "type", "libvirt", "settings", Map.of("uri", LibvirtLab.URI,
                        "root", home.resolve("lv-" + tag).toString(), "shutdownTimeoutMillis", "300")))
                .post("/api/hosts").then().statusCode(201).extract().path("id");
        String repositoryId = Api.createRepository("lv-" + tag, home.resolve("repo-lv-" + tag));
        Vm vm = QuarkusTransaction.requiringNew().call(() -> Vm.byRef(UUID.fromString(hostId), db.uuid()).orElseThrow());
        Host host = QuarkusTransaction.requiringNew().call(() -> Host.byId(UUID.fromString(hostId)).orElseThrow());
        hosts.of(host).hold(db.uuid(), mode);
        assertThat(lab.state(db)).isNotEqualTo("running");
        UUID runId = QuarkusTransaction.requiringNew().call(() -> {
            BackupRun run = new BackupRun();
            run.id = UUID.randomUUID();
            run.vmId = vm.id;
            run.repositoryId = UUID.fromString(repositoryId);
            run.requestedMode = BackupMode.of(mode).id();
            run.writer = "qemu";
            run.status = RunStatus.RUNNING;
            run.phase = "snapshot";
            run.node = node.value();
            run.createdAt = Instant.now();
            run.startedAt = run.createdAt;
            run.heldSince = run.createdAt;
            run.holdMode = mode.name();
            run.priorState = GuestState.RUNNING.name();
            run.persist();
            return run.id;
        });

        recovery.recover(QuarkusTransaction.requiringNew().call(() -> BackupRun.byId(runId).orElseThrow()));

        assertThat(lab.state(db)).isEqualTo("running");
        json().get("/api/runs/{id}", runId).then().statusCode(200).body("status", equalTo("FAILED"))
                .body("error", containsString("guest resumed by recovery"));
        assertThat(home.resolve("lv-" + tag).resolve("saved-state").resolve(db.uuid())).doesNotExist();
    }

    @Test
    void domainsDefinedAndUndefinedLaterComeAndGoWithARefresh() throws IOException {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String hostId = json().body(Map.of("name", "lv-" + tag, "type", "libvirt", "settings", Map.of("uri", LibvirtLab.URI,
                        "root", home.resolve("lv-" + tag).toString())))
                .post("/api/hosts").then().statusCode(201).extract().path("id");
        LibvirtLab.Domain late = lab.define("late-" + tag, false, 32, 16, "");

        json().post("/api/hosts/{id}/refresh", hostId).then().statusCode(200)
                .body("added.ref", hasItem(late.uuid())).body("error", equalTo(null));
        lab.undefine(late.name());
        json().post("/api/hosts/{id}/refresh", hostId).then().statusCode(200)
                .body("vanished.ref", hasItem(late.uuid()));
    }

    @Test
    void urisThatCouldRunAProgramOrLeadNowhereAreRefusedNamingTheSetting() throws IOException {
        int hostsBefore = json().get("/api/hosts").then().statusCode(200).extract().jsonPath().getList("$").size();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        // a program that, were it ever run, would leave a file behind
        Path trap = home.resolve("never-run-" + tag);
        Path ran = home.resolve("never-run-" + tag + ".ran");
        Files.createDirectories(home);
        Files.writeString(trap, "#!/bin/sh\ntouch " + ran + "\n");
        Files.setPosixFilePermissions(trap, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String uri : List.of("qemu+ext:///system?command=" + trap, "qemu+ssh://h/system?command=" + trap,
                "qemu+tcp://127.0.0.1:1/system", "qemu:///nowhere")) {
            json().body(Map.of("name", "lv-bad-" + tag, "type", "libvirt", "settings", Map.of("uri", uri)))
                    .post("/api/hosts").then().statusCode(400).contentType("application/problem+json")
                    .body("detail", containsString("settings.uri")).body("detail", containsString(uri));
        }
        assertThat(json().get("/api/hosts").then().statusCode(200).extract().jsonPath().getList("$")).hasSize(hostsBefore);
        assertThat(ran).doesNotExist();
    }
}
