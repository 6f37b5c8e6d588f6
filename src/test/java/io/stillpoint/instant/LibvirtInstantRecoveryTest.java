package io.stillpoint.instant;

import static io.stillpoint.testing.Api.awaitFinished;
import static io.stillpoint.testing.Api.backup;
import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.stillpoint.testing.Api;
import io.stillpoint.testing.FileDigests;
import io.stillpoint.testing.LibvirtLab;
import io.stillpoint.testing.LinuxGuestImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Instant recovery through the API on a libvirt host, from a restore point the libvirt writer made of a
 * domain booting the real Linux guest (booted once for the class): the new domain runs from overlays in
 * {@code <imageDir>/<name>/}, the point's files keep their bytes, owner and mode, finalize moves the disks
 * while the domain runs and the point can be deleted afterwards, and discard leaves nothing.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LibvirtInstantRecoveryTest {

    /** Generous: boots under TCG take 10-60 s on a loaded machine. */
    private static final Duration BOOT = Duration.ofSeconds(180);

    private LibvirtLab lab;
    private Path imageDir;
    private Path repository;
    private String vmId;
    private String repositoryId;
    private String pointId;

    /** Once for the class, in the first test's set-up: the server answers HTTP only from then on. */
    @BeforeEach
    void backUpTheGuestOnce() throws IOException {
        if (lab != null) {
            return;
        }
        lab = new LibvirtLab();
        LibvirtLab.Domain domain = lab.defineLinux("source", LinuxGuestImage.bootDisk(), 256);
        lab.start(domain);
        imageDir = Files.createDirectories(lab.root().resolve("images"));
        String hostId = json().body(Map.of("name", lab.named("lv"), "type", "libvirt", "settings", Map.of("uri",
                        LibvirtLab.URI, "root", lab.root().resolve("host").toString(), "imageDir", imageDir.toString())))
                .post("/api/hosts").then().statusCode(201).extract().path("id");
        vmId = json().queryParam("hostId", hostId).get("/api/vms").then().statusCode(200).extract().jsonPath()
                .getString("find { it.name == '" + domain.name() + "' }.id");
        repository = lab.root().resolve("repository");
        repositoryId = Api.createRepository(lab.named("repo"), repository);
        awaitAgent(domain.uuid());
        JsonPath run = awaitFinished("runs", backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));
        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        pointId = run.getString("restorePointId");
    }

    @AfterAll
    void removeTheGuests() throws IOException {
        if (lab == null) {
            return;
        }
        for (String line : LibvirtLab.virsh("list", "--all", "--name").strip().split("\\s+")) {
            if (line.startsWith(lab.named("ir-"))) {
                lab.undefine(line);
            }
        }
        lab.close();
    }

    @Test
    void aDomainRunsFromThePointAndFinalizeMovesItWhileItRuns() throws IOException {
        Map<String, String> pointBefore = filesOf(pointFolder());
        String name = lab.named("ir-run");

        long asked = System.nanoTime();
        JsonPath started = json().body(Map.of("name", name)).post("/api/restore-points/{id}/instant-recovery", pointId)
                .then().statusCode(201).extract().jsonPath();
        String id = started.getString("id");
        assertThat(started.getString("state")).isEqualTo("RUNNING");
        String uuid = LibvirtLab.virsh("domuuid", name).strip();
        awaitAgent(uuid);
        System.out.printf("libvirt instant recovery: guest agent answered %.1f s after the request%n",
                (System.nanoTime() - asked) / 1e9);

        Path folder = imageDir.resolve(name);
        assertThat(LibvirtLab.virsh("domblklist", uuid)).contains(folder.resolve("vda.instant.qcow2").toString());
        assertThat(filesOf(pointFolder())).as("nothing wrote into or relabelled the point").isEqualTo(pointBefore);
        json().delete("/api/restore-points/{id}", pointId).then().statusCode(409);

        json().body(Map.of("bandwidthLimit", 1L << 30)).post("/api/instant-recoveries/{id}/finalize", id).then()
                .statusCode(202);
        JsonPath finalized = awaitState(id, "FINALIZED", "RUNNING");
        assertThat(finalized.getString("state")).as(finalized.getString("error")).isEqualTo("FINALIZED");

        Path moved = folder.resolve("vda.qcow2");
        assertThat(LibvirtLab.virsh("dumpxml", uuid)).contains("file='" + moved + "'")
                .doesNotContain(repository.toString());
        assertThat(LibvirtLab.virsh("dumpxml", "--inactive", uuid)).contains("file='" + moved + "'")
                .doesNotContain(repository.toString());
        assertThat(LibvirtLab.exec(List.of("qemu-img", "check", "-U", moved.toString()))).contains("No errors");
        assertThat(folder.resolve("vda.instant.qcow2")).doesNotExist();
        assertThat(LibvirtLab.virsh("qemu-agent-command", uuid, "{\"execute\":\"guest-ping\"}")).contains("return");
        assertThat(filesOf(pointFolder())).isEqualTo(pointBefore);

        json().delete("/api/restore-points/{id}", pointId).then().statusCode(204);
        pointId = null;
        assertThat(LibvirtLab.virsh("domstate", uuid).strip()).isEqualTo("running");
    }

    @Test
    void discardLeavesNoDomainAndNoFiles() throws IOException {
        String point = pointId != null ? pointId : newPoint();
        Map<String, String> pointBefore = filesOf(repository.resolve(vmId).resolve(point));
        String name = lab.named("ir-gone");
        String id = json().body(Map.of("name", name)).post("/api/restore-points/{id}/instant-recovery", point)
                .then().statusCode(201).extract().path("id");
        assertThat(imageDir.resolve(name).resolve(".stillpoint-owned")).isRegularFile();

        JsonPath discarded = json().delete("/api/instant-recoveries/{id}", id).then().statusCode(200).extract().jsonPath();

        assertThat(discarded.getString("state")).isEqualTo("DISCARDED");
        assertThat(LibvirtLab.virsh("list", "--all", "--name")).doesNotContain(name);
        assertThat(Files.exists(imageDir.resolve(name), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(filesOf(repository.resolve(vmId).resolve(point))).isEqualTo(pointBefore);
    }

    private String newPoint() {
        JsonPath run = awaitFinished("runs", backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));
        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        pointId = run.getString("restorePointId");
        return pointId;
    }

    private Path pointFolder() {
        return repository.resolve(vmId).resolve(pointId);
    }

    private static void awaitAgent(String uuid) {
        await().atMost(BOOT).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> LibvirtLab.virsh("qemu-agent-command", uuid, "{\"execute\":\"guest-ping\"}")
                        .contains("return"));
    }

    private static JsonPath awaitState(String id, String... states) {
        JsonPath[] last = new JsonPath[1];
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200)).until(() -> {
            last[0] = json().get("/api/instant-recoveries/{id}", id).then().statusCode(200).extract().jsonPath();
            return List.of(states).contains(last[0].getString("state"))
                    && !(last[0].getString("state").equals("RUNNING") && last[0].getString("error") == null);
        });
        return last[0];
    }

    /** Each regular file of the point by relative path: its owner, mode, size and modification time. */
    private static Map<String, String> filesOf(Path folder) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path file : walk.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).toList()) {
                PosixFileAttributes a = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                files.put(folder.relativize(file).toString(), a.owner().getName() + ":" + a.group().getName() + " "
                        + PosixFilePermissions.toString(a.permissions()) + " " + a.size() + " " + a.lastModifiedTime()
                        + " " + FileDigests.sha256(file));
            }
        }
        return files;
    }
}
