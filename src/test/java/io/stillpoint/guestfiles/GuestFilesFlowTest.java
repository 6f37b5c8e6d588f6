package io.stillpoint.guestfiles;

import static io.stillpoint.testing.Api.awaitFinished;
import static io.stillpoint.testing.Api.backup;
import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static io.restassured.RestAssured.given;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.restore.Staging;
import io.stillpoint.security.CsrfCheck;
import io.stillpoint.testing.Api;
import io.stillpoint.testing.CatalogTestResource;
import io.stillpoint.testing.GuestDiskBuilder;
import io.stillpoint.testing.QemuLab;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A QEMU guest whose disk holds a GPT with an ext4 of known files (odd names, links, a hard link, a sparse
 * file, xattrs of every namespace, a deep tree), a wiped ext4, an empty partition and an XFS of the same files, backed up through the API; its guest files
 * are then browsed, downloaded, archived and restored through one shared appliance. The appliance starts
 * once for the class (about 20 s under TCG); the last test watches it stop when idle.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GuestFilesFlowTest {

    /** A launch took 405 s when other runs kept the load at 15 on two cores; about 20 s on a quiet machine. */
    private static final Duration LAUNCH = Duration.ofSeconds(600);
    private static final String FS = "/dev/sda1";

    @ConfigProperty(name = "stillpoint.home")
    Path home;

    @Inject
    AppliancePool pool;

    @Inject
    GuestRestores restores;

    @Inject
    ObjectMapper mapper;

    private QemuLab lab;
    private Path tree;
    private Path rawDisk;
    private String pointId;
    private String simulatedPointId;

    @BeforeEach
    void backUpAGuestWithKnownFiles() throws IOException {
        if (pointId != null) {
            return;
        }
        String tag = UUID.randomUUID().toString().substring(0, 8);
        Path work = Files.createDirectories(home.resolve("guest-files-test-" + tag));
        lab = new QemuLab(work.resolve("lab"));
        QemuLab.Guest guest = lab.prepare("gf-" + tag, 1L << 20);
        Files.delete(guest.disks().get(0));
        GuestDiskBuilder.build(Files.createDirectories(work.resolve("disk")), guest.disks().get(0));
        tree = work.resolve("disk/tree");
        rawDisk = work.resolve("disk/disk.raw");
        lab.launch(guest, 64, List.of(), "qemu-system-x86_64");
        String hostId = json().body(Map.of("name", "gf-" + tag, "type", "qemu", "settings",
                        Map.of("root", lab.root().resolve("host").toString())))
                .post("/api/hosts").then().statusCode(201).extract().path("id");
        String vmId = json().body(Map.of("qmpSocket", guest.qmpSocket().toString()))
                .post("/api/hosts/{id}/vms", hostId).then().statusCode(201).extract().path("id");
        String repositoryId = Api.createRepository("gf-" + tag, work.resolve("repository"));
        JsonPath run = awaitFinished("runs", backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));
        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        pointId = run.getString("restorePointId");

        String simulatedHost = Api.createSimulatedHost("gf-sim-" + tag, work.resolve("sim"));
        String simulatedVm = Api.createVm(simulatedHost, "sim-" + tag, 16L << 20, 64L << 20, false);
        JsonPath simulatedRun = awaitFinished("runs", backup(simulatedVm, Map.of("mode", "pause", "repositoryId",
                repositoryId)));
        simulatedPointId = simulatedRun.getString("restorePointId");
    }

    @AfterAll
    void stopTheGuest() throws IOException {
        if (lab != null) {
            lab.close();
        }
    }

    /** Polls through the 202 answers of a starting appliance; returns the first other answer. */
    private Response ready(java.util.function.Supplier<Response> call) {
        Response[] last = new Response[1];
        await().atMost(LAUNCH).pollInterval(Duration.ofMillis(500)).until(() -> {
            last[0] = call.get();
            if (last[0].statusCode() == 202) {
                assertThat(last[0].header("Retry-After")).isNotNull();
                assertThat(last[0].jsonPath().getString("status")).isEqualTo("starting");
                return false;
            }
            return true;
        });
        return last[0];
    }

    private Response listing(String path) {
        return ready(() -> json().queryParam("fs", FS).queryParam("path", path)
                .get("/api/restore-points/{id}/guest/files", pointId));
    }

    @Test
    @Order(0)
    void noApplianceStartsWhileTheServerHasTooManyFilesOpenAndTheServerLives() throws IOException {
        assertThat(pool.running()).doesNotContainKey(UUID.fromString(pointId));
        List<FileChannel> held = new ArrayList<>();
        try {
            int toOpen = OpenFiles.FD_SETSIZE - OpenFiles.HEADROOM - OpenFiles.count() + 20;
            for (int i = 0; i < toOpen; i++) {
                held.add(FileChannel.open(Path.of("/dev/null")));
            }
            json().get("/api/restore-points/{id}/guest/filesystems", pointId)
                    .then().statusCode(503).contentType("application/problem+json").header("Retry-After", "30")
                    .body("detail", containsString("files open"));
            assertThat(pool.running()).as("nothing was launched").doesNotContainKey(UUID.fromString(pointId));
            given().get("/q/health/live").then().statusCode(200);
        } finally {
            for (FileChannel channel : held) {
                channel.close();
            }
        }
        assertThat(OpenFiles.count()).isLessThan(OpenFiles.FD_SETSIZE - OpenFiles.HEADROOM);
    }

    @Test
    @Order(1)
    void listsTheFileSystemsWithWhyTheOthersCannotBeOpened() {
        Response first = json().get("/api/restore-points/{id}/guest/filesystems", pointId);
        assertThat(first.statusCode()).as("the first call starts the appliance and does not wait for it").isIn(200, 202);

        JsonPath fs = ready(() -> json().get("/api/restore-points/{id}/guest/filesystems", pointId))
                .then().statusCode(200).extract().jsonPath();

        assertThat(fs.getString("find { it.device == '/dev/sda1' }.type")).isEqualTo("ext4");
        assertThat(fs.getString("find { it.device == '/dev/sda1' }.label")).isEqualTo(GuestDiskBuilder.LABEL);
        assertThat(fs.getString("find { it.device == '/dev/sda1' }.problem")).isNull();
        assertThat(fs.getString("find { it.device == '/dev/sda2' }.problem")).contains("no file system");
        assertThat(fs.getString("find { it.device == '/dev/sda3' }.problem")).contains("no file system");
        assertThat(fs.getString("find { it.device == '/dev/sda4' }.type")).isEqualTo("xfs");
        assertThat(fs.getString("find { it.device == '/dev/sda4' }.label")).isEqualTo(GuestDiskBuilder.XFS_LABEL);
        assertThat(fs.getString("find { it.device == '/dev/sda4' }.problem")).isNull();
        json().queryParam("fs", "/dev/sda2").queryParam("path", "/")
                .get("/api/restore-points/{id}/guest/files", pointId)
                .then().statusCode(409).contentType("application/problem+json")
                .body("detail", containsString("no file system"));
    }

    @Test
    @Order(2)
    void listsAFolderWithTypesSizesModesOwnersTimesAndLinkTargetsInPages() {
        JsonPath page = listing("/home/ana").then().statusCode(200).extract().jsonPath();

        assertThat(page.getList("entries.name", String.class)).contains(GuestDiskBuilder.ODD_NAME, "report.bin",
                "hostname-link", "sparse.img", "deep", "many");
        assertThat(page.getString("entries.find { it.name == 'report.bin' }.type")).isEqualTo("file");
        assertThat(page.getLong("entries.find { it.name == 'report.bin' }.size")).isEqualTo(3 * (1L << 20) + 123);
        assertThat(page.getString("entries.find { it.name == 'report.bin' }.mode")).isEqualTo("0640");
        assertThat(page.getInt("entries.find { it.name == 'report.bin' }.uid")).isEqualTo(GuestDiskBuilder.UID);
        assertThat(page.getInt("entries.find { it.name == 'report.bin' }.gid")).isEqualTo(GuestDiskBuilder.GID);
        assertThat(page.getString("entries.find { it.name == 'report.bin' }.modified"))
                .startsWith(GuestDiskBuilder.MTIME.toString().replace("Z", ""));
        assertThat(page.getString("entries.find { it.name == 'hostname-link' }.type")).isEqualTo("symlink");
        assertThat(page.getString("entries.find { it.name == 'hostname-link' }.linkTarget")).isEqualTo("../../etc/hostname");
        assertThat(page.getString("entries.find { it.name == 'deep' }.type")).isEqualTo("directory");

        JsonPath second = ready(() -> json().queryParam("fs", FS).queryParam("path", "/home/ana/many")
                .queryParam("limit", 100).queryParam("offset", 100)
                .get("/api/restore-points/{id}/guest/files", pointId)).then().statusCode(200).extract().jsonPath();
        assertThat(second.getLong("total")).isEqualTo(150);
        assertThat(second.getList("entries.name", String.class)).hasSize(50).first().isEqualTo("f100.txt");
    }

    @Test
    @Order(3)
    void downloadsAFileWholeAndInRangesWithTheGuestsBytes() throws IOException {
        byte[] expected = Files.readAllBytes(tree.resolve("home/ana/report.bin"));

        Response whole = ready(() -> json().queryParam("fs", FS).queryParam("path", "/home/ana/report.bin")
                .get("/api/restore-points/{id}/guest/file", pointId));
        whole.then().statusCode(200).header("Content-Length", Integer.toString(expected.length))
                .header("Accept-Ranges", "bytes");
        assertThat(whole.asByteArray()).isEqualTo(expected);

        int from = (int) (Appliance.PIECE > expected.length ? 1_000_003 : Appliance.PIECE - 5);
        byte[] range = json().queryParam("fs", FS).queryParam("path", "/home/ana/report.bin")
                .header("Range", "bytes=" + from + "-" + (from + 99))
                .get("/api/restore-points/{id}/guest/file", pointId)
                .then().statusCode(206).header("Content-Range", "bytes " + from + "-" + (from + 99) + "/" + expected.length)
                .extract().asByteArray();
        assertThat(range).isEqualTo(Arrays.copyOfRange(expected, from, from + 100));
        byte[] suffix = json().queryParam("fs", FS).queryParam("path", "/home/ana/report.bin").header("Range", "bytes=-7")
                .get("/api/restore-points/{id}/guest/file", pointId).then().statusCode(206).extract().asByteArray();
        assertThat(suffix).isEqualTo(Arrays.copyOfRange(expected, expected.length - 7, expected.length));

        byte[] sparse = json().queryParam("fs", FS).queryParam("path", "/home/ana/sparse.img")
                .get("/api/restore-points/{id}/guest/file", pointId).then().statusCode(200).extract().asByteArray();
        assertThat(sparse).hasSize((int) GuestDiskBuilder.SPARSE_SIZE);
        assertThat(new String(sparse, (int) GuestDiskBuilder.SPARSE_DATA_AT, 18, StandardCharsets.US_ASCII))
                .isEqualTo("data in the middle");
        String odd = json().queryParam("fs", FS).queryParam("path", "/home/ana/" + GuestDiskBuilder.ODD_NAME)
                .get("/api/restore-points/{id}/guest/file", pointId).then().statusCode(200).extract().asString();
        assertThat(odd).isEqualTo("odd\n");
        json().queryParam("fs", FS).queryParam("path", "/home/ana/hostname-link")
                .get("/api/restore-points/{id}/guest/file", pointId).then().statusCode(200)
                .body(equalTo("guest-of-stillpoint\n"));
    }

    /** The folder's tar from the API, unpacked as root keeping owners, modes and xattrs of every namespace. */
    private Path archiveUnpacked(String fs, String path) throws IOException {
        Response tar = ready(() -> json().queryParam("fs", fs).queryParam("path", path)
                .get("/api/restore-points/{id}/guest/archive", pointId));
        tar.then().statusCode(200).contentType("application/x-tar");
        Path unpacked = Files.createTempDirectory(home, "tar-");
        Path archive = unpacked.resolveSibling(unpacked.getFileName() + ".tar");
        Files.write(archive, tar.asByteArray());
        QemuLab.exec(List.of("tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-xpf", archive.toString(),
                "-C", unpacked.toString()));
        return unpacked;
    }

    /** Every xattr the builder gave report.bin, in each namespace, with its value. */
    private static void assertGuestXattrs(Path file) throws IOException {
        for (Map.Entry<String, String> xattr : GuestDiskBuilder.XATTRS.entrySet()) {
            assertThat(QemuLab.exec(List.of("getfattr", "-h", "--absolute-names", "--only-values", "-n", xattr.getKey(),
                    file.toString()))).as(xattr.getKey()).isEqualTo(xattr.getValue());
        }
    }

    @Test
    @Order(4)
    void streamsAFolderAsATarThatKeepsOwnersModesTimesLinksAndXattrs() throws IOException {
        Path unpacked = archiveUnpacked(FS, "/home/ana");

        Path source = tree.resolve("home/ana");
        assertThat(Files.readAllBytes(unpacked.resolve("report.bin"))).isEqualTo(Files.readAllBytes(source.resolve("report.bin")));
        assertThat(Files.getAttribute(unpacked.resolve("report.bin"), "unix:ino"))
                .as("the hard link stays a hard link").isEqualTo(Files.getAttribute(unpacked.resolve("report-hardlink.bin"), "unix:ino"));
        assertThat(Files.readSymbolicLink(unpacked.resolve("hostname-link"))).isEqualTo(Path.of("../../etc/hostname"));
        assertThat(Files.getAttribute(unpacked.resolve("report.bin"), "unix:uid")).isEqualTo(GuestDiskBuilder.UID);
        assertThat(Files.getAttribute(unpacked.resolve("report.bin"), "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS))
                .isEqualTo(0100640);
        assertThat(Files.getLastModifiedTime(unpacked.resolve("report.bin")).toInstant()).isEqualTo(GuestDiskBuilder.MTIME);
        assertGuestXattrs(unpacked.resolve("report.bin"));
        assertThat(unpacked.resolve("deep/level0/level1/level2/level3/level4/level5/level6/level7/level8/level9/level10/level11/bottom.txt"))
                .hasContent("bottom");
        assertThat(unpacked.resolve(GuestDiskBuilder.ODD_NAME)).hasContent("odd");
    }

    @Test
    @Order(5)
    void pathsThatLeaveTheGuestsFileSystemAreRefusedAndNeverReachTheHost() {
        listing("/").then().statusCode(200);
        for (String path : List.of("/home/../../etc/passwd", "../etc", "etc/hostname", "/etc/host\nname")) {
            json().queryParam("fs", FS).queryParam("path", path).get("/api/restore-points/{id}/guest/file", pointId)
                    .then().statusCode(400).contentType("application/problem+json").body("errors[0].field", equalTo("path"));
        }
        json().queryParam("fs", FS).queryParam("path", "/home/ana/up").get("/api/restore-points/{id}/guest/files", pointId)
                .then().statusCode(400).body("detail", containsString("leads out"));
        json().queryParam("fs", FS).queryParam("path", "/home/ana/escape").get("/api/restore-points/{id}/guest/file", pointId)
                .then().statusCode(404).body("detail", not(containsString("root:")));
        json().queryParam("fs", FS).queryParam("path", "/home/ana/absolute").get("/api/restore-points/{id}/guest/file", pointId)
                .then().statusCode(404);
        json().queryParam("fs", "/etc/passwd").queryParam("path", "/").get("/api/restore-points/{id}/guest/files", pointId)
                .then().statusCode(400).body("errors[0].field", equalTo("fs"));
        json().queryParam("path", "/").get("/api/restore-points/{id}/guest/files", pointId)
                .then().statusCode(400).body("errors[0].field", equalTo("fs"));
        json().queryParam("fs", FS).queryParam("path", "/nothing/here").get("/api/restore-points/{id}/guest/file", pointId)
                .then().statusCode(404);
        json().queryParam("fs", FS).queryParam("path", "/home").get("/api/restore-points/{id}/guest/file", pointId)
                .then().statusCode(400).body("detail", containsString("not a file"));
    }

    @Test
    @Order(6)
    void aSimulatedPointIsRefusedWithTheReasonAndAFailedVerifyNeedsForce() {
        json().get("/api/restore-points/{id}/guest/filesystems", simulatedPointId)
                .then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("simulated"));
        UUID id = UUID.fromString(pointId);
        QuarkusTransaction.requiringNew().run(() -> {
            RestorePoint p = RestorePoint.byId(id).orElseThrow();
            p.verifyStatus = "FAILED";
            p.verifyProblems = "files/disk0.qcow2: digest differs";
        });
        try {
            json().get("/api/restore-points/{id}/guest/filesystems", pointId)
                    .then().statusCode(409).body("detail", containsString("force=true"));
            assertThat(ready(() -> json().queryParam("force", true)
                    .get("/api/restore-points/{id}/guest/filesystems", pointId)).statusCode()).isEqualTo(200);
        } finally {
            QuarkusTransaction.requiringNew().run(() -> {
                RestorePoint p = RestorePoint.byId(id).orElseThrow();
                p.verifyStatus = "OK";
                p.verifyProblems = null;
            });
        }
    }

    @Test
    @Order(7)
    void twentyConcurrentRequestsShareOneAppliance() throws Exception {
        listing("/").then().statusCode(200);
        int before = pool.running().get(UUID.fromString(pointId));
        // A console session: twenty Basic sign-ins checked at once would be throttled as password guessing.
        String session = given().auth().none().contentType(io.restassured.http.ContentType.URLENC)
                .formParam("j_username", "admin").formParam("j_password", CatalogTestResource.ADMIN_PASSWORD)
                .post("/j_security_check").then().statusCode(200).extract().cookie(CsrfCheck.SESSION_COOKIE);
        ExecutorService clients = Executors.newFixedThreadPool(20);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String path = i % 2 == 0 ? "/home/ana/many" : "/etc";
                answers.add(clients.submit(() -> given().auth().none().cookie(CsrfCheck.SESSION_COOKIE, session).queryParam("fs", FS).queryParam("path", path)
                        .get("/api/restore-points/{id}/guest/files", pointId).statusCode()));
            }
            for (Future<Integer> answer : answers) {
                assertThat(answer.get()).isEqualTo(200);
            }
        } finally {
            clients.shutdownNow();
        }
        assertThat(pool.running()).as("one appliance for the point, the same one").containsEntry(UUID.fromString(pointId), before);
    }

    private JsonPath awaitRestore(String id) {
        JsonPath[] last = new JsonPath[1];
        await().atMost(LAUNCH).pollInterval(Duration.ofMillis(300)).until(() -> {
            last[0] = json().get("/api/guest-restores/{id}", id).then().statusCode(200).extract().jsonPath();
            return List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(last[0].getString("status"));
        });
        return last[0];
    }

    @Test
    @Order(8)
    void restoresFoldersAndAFileToANewFolderAsTheGuestHadThemAndAuditsIt() throws IOException {
        listing("/").then().statusCode(200);
        Path target = home.resolve("restores").resolve("guest-" + UUID.randomUUID());
        String id = json().body(Map.of("fs", FS, "paths", List.of("/home/ana/deep", "/home/ana/report.bin", "/home/ana/many"),
                        "target", "path", "path", target.toString()))
                .post("/api/restore-points/{id}/guest/restore", pointId)
                .then().statusCode(202).header("Location", containsString("/api/guest-restores/")).extract().path("id");
        JsonPath restore = awaitRestore(id);

        assertThat(restore.getString("status")).as(restore.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(restore.getLong("bytesCopied")).isGreaterThanOrEqualTo(3L * (1 << 20));
        Path source = tree.resolve("home/ana");
        assertThat(Files.readAllBytes(target.resolve("report.bin"))).isEqualTo(Files.readAllBytes(source.resolve("report.bin")));
        assertThat(Files.getAttribute(target.resolve("report.bin"), "unix:uid")).isEqualTo(GuestDiskBuilder.UID);
        assertThat(Files.getAttribute(target.resolve("report.bin"), "unix:gid")).isEqualTo(GuestDiskBuilder.GID);
        assertThat(Files.getAttribute(target.resolve("report.bin"), "unix:mode")).isEqualTo(0100640);
        assertThat(Files.getLastModifiedTime(target.resolve("report.bin")).toInstant()).isEqualTo(GuestDiskBuilder.MTIME);
        assertGuestXattrs(target.resolve("report.bin"));
        Path bottom = target.resolve("deep/level0/level1/level2/level3/level4/level5/level6/level7/level8/level9/level10/level11/bottom.txt");
        assertThat(bottom).hasContent("bottom");
        assertThat(Files.getAttribute(bottom, "unix:uid")).isEqualTo(GuestDiskBuilder.UID);
        assertThat(Files.getLastModifiedTime(bottom).toInstant()).isEqualTo(GuestDiskBuilder.MTIME);
        try (var many = Files.list(target.resolve("many"))) {
            assertThat(many.count()).isEqualTo(150);
        }
        try (var beside = Files.list(target.getParent())) {
            assertThat(beside.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".restore-"));
        }
        try (var inside = Files.list(target)) {
            assertThat(inside.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("deep", "report.bin", "many");
        }
        List<String> audited = json().queryParam("limit", 50).get("/api/audit").then().statusCode(200).extract()
                .jsonPath().getList("action", String.class);
        assertThat(audited).contains("POST /api/restore-points/{id}/guest/restore");
    }

    @Test
    @Order(9)
    void aRestoreWithBadInputIsRefusedNamingTheFieldAndWritesNothing() throws IOException {
        Path restores = Files.createDirectories(home.resolve("restores"));
        Path full = Files.createDirectories(restores.resolve("full-" + UUID.randomUUID()));
        Files.writeString(full.resolve("keep.txt"), "keep");
        Map<String, String> refused = new java.util.LinkedHashMap<>();
        refused.put("path", "{\"fs\":\"/dev/sda1\",\"paths\":[\"/etc\"],\"path\":\"/tmp/outside-" + UUID.randomUUID() + "\"}");
        refused.put("paths", "{\"fs\":\"/dev/sda1\",\"paths\":[\"/home/../etc\"],\"path\":\"" + restores.resolve("a") + "\"}");
        refused.put("target", "{\"fs\":\"/dev/sda1\",\"paths\":[\"/etc\"],\"target\":\"original\",\"path\":\"" + restores.resolve("b") + "\"}");
        refused.put("fs", "{\"paths\":[\"/etc\"],\"path\":\"" + restores.resolve("c") + "\"}");
        String twice = "{\"fs\":\"/dev/sda1\",\"paths\":[\"/etc/hostname\",\"/x/hostname\"],\"path\":\"" + restores.resolve("d") + "\"}";
        String existing = "{\"fs\":\"/dev/sda1\",\"paths\":[\"/etc\"],\"path\":\"" + full + "\"}";
        try (var before = Files.list(restores)) {
            long count = before.count();
            refused.forEach((field, body) -> json().body(body).post("/api/restore-points/{id}/guest/restore", pointId)
                    .then().statusCode(400).contentType("application/problem+json").body("errors[0].field", equalTo(field)));
            json().body(twice).post("/api/restore-points/{id}/guest/restore", pointId).then().statusCode(400)
                    .body("errors[0].field", equalTo("paths"));
            json().body(existing).post("/api/restore-points/{id}/guest/restore", pointId).then().statusCode(400)
                    .body("errors[0].field", equalTo("path"));
            try (var after = Files.list(restores)) {
                assertThat(after.count()).isEqualTo(count);
            }
        }
        assertThat(full.resolve("keep.txt")).hasContent("keep");
    }

    @Test
    @Order(10)
    void aCancelledRestoreLeavesNothingBehind() throws IOException {
        listing("/").then().statusCode(200);
        Path target = home.resolve("restores").resolve("cancelled-" + UUID.randomUUID());
        String id = json().body(Map.of("fs", FS, "paths", List.of("/home/ana/sparse.img"), "path", target.toString()))
                .post("/api/restore-points/{id}/guest/restore", pointId).then().statusCode(202).extract().path("id");
        int cancel = json().post("/api/guest-restores/{id}/cancel", id).statusCode();
        JsonPath restore = awaitRestore(id);

        if (cancel == 200) {
            assertThat(restore.getString("status")).isEqualTo("CANCELLED");
            assertThat(target).doesNotExist();
        } else {
            assertThat(cancel).as("too late to cancel: it had finished").isEqualTo(409);
            assertThat(restore.getString("status")).isEqualTo("SUCCEEDED");
        }
        try (var beside = Files.list(target.getParent())) {
            assertThat(beside.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".restore-"));
        }
    }

    @Test
    @Order(11)
    void anXfsIsListedDownloadedArchivedAndRestoredWithItsLinksHolesAndXattrs() throws IOException {
        String xfs = "/dev/sda4";
        Path source = tree.resolve("home/ana");
        JsonPath page = ready(() -> json().queryParam("fs", xfs).queryParam("path", "/home/ana")
                .get("/api/restore-points/{id}/guest/files", pointId)).then().statusCode(200).extract().jsonPath();
        assertThat(page.getList("entries.name", String.class)).contains(GuestDiskBuilder.ODD_NAME, "report.bin",
                "report-hardlink.bin", "hostname-link", "sparse.img", "deep", "many");
        assertThat(page.getString("entries.find { it.name == 'report.bin' }.mode")).isEqualTo("0640");
        assertThat(page.getInt("entries.find { it.name == 'report.bin' }.uid")).isEqualTo(GuestDiskBuilder.UID);
        assertThat(page.getString("entries.find { it.name == 'hostname-link' }.linkTarget")).isEqualTo("../../etc/hostname");
        byte[] report = json().queryParam("fs", xfs).queryParam("path", "/home/ana/report.bin")
                .get("/api/restore-points/{id}/guest/file", pointId).then().statusCode(200).extract().asByteArray();
        assertThat(report).isEqualTo(Files.readAllBytes(source.resolve("report.bin")));
        json().queryParam("fs", xfs).queryParam("path", "/home/ana/escape").get("/api/restore-points/{id}/guest/file", pointId)
                .then().statusCode(404);

        Path unpacked = archiveUnpacked(xfs, "/home/ana");
        assertThat(Files.getAttribute(unpacked.resolve("report.bin"), "unix:ino"))
                .isEqualTo(Files.getAttribute(unpacked.resolve("report-hardlink.bin"), "unix:ino"));
        assertThat(Files.readSymbolicLink(unpacked.resolve("hostname-link"))).isEqualTo(Path.of("../../etc/hostname"));
        assertGuestXattrs(unpacked.resolve("report.bin"));

        Path target = home.resolve("restores").resolve("xfs-" + UUID.randomUUID());
        String id = json().body(Map.of("fs", xfs, "paths", List.of("/home/ana"), "path", target.toString()))
                .post("/api/restore-points/{id}/guest/restore", pointId).then().statusCode(202).extract().path("id");
        JsonPath restore = awaitRestore(id);
        assertThat(restore.getString("status")).as(restore.getString("error")).isEqualTo("SUCCEEDED");
        Path ana = target.resolve("ana");
        assertThat(Files.readAllBytes(ana.resolve("report.bin"))).isEqualTo(Files.readAllBytes(source.resolve("report.bin")));
        assertThat(Files.getAttribute(ana.resolve("report.bin"), "unix:ino"))
                .isEqualTo(Files.getAttribute(ana.resolve("report-hardlink.bin"), "unix:ino"));
        assertThat(Files.getAttribute(ana.resolve("report.bin"), "unix:uid")).isEqualTo(GuestDiskBuilder.UID);
        assertThat(Files.getAttribute(ana.resolve("report.bin"), "unix:mode")).isEqualTo(0100640);
        assertThat(Files.getLastModifiedTime(ana.resolve("report.bin")).toInstant()).isEqualTo(GuestDiskBuilder.MTIME);
        assertGuestXattrs(ana.resolve("report.bin"));
        byte[] sparse = Files.readAllBytes(ana.resolve("sparse.img"));
        assertThat(sparse).hasSize((int) GuestDiskBuilder.SPARSE_SIZE);
        assertThat(new String(sparse, (int) GuestDiskBuilder.SPARSE_DATA_AT, 18, StandardCharsets.US_ASCII))
                .isEqualTo("data in the middle");
        assertThat(ana.resolve(GuestDiskBuilder.ODD_NAME)).hasContent("odd");
    }

    @Test
    @Order(12)
    void aHyperVPointsVhdxDiskIsBrowsedReadOnlyAndStaysByteForByteTheSame() throws Exception {
        Path point = Files.createDirectories(home.resolve("hyperv-point-" + UUID.randomUUID()));
        Path vhdx = Files.createDirectories(point.resolve("files/Virtual Hard Disks")).resolve("gf.vhdx");
        QemuLab.exec(List.of("qemu-img", "convert", "-f", "raw", "-O", "vhdx", rawDisk.toString(), vhdx.toString()));
        String before = QemuLab.exec(List.of("sha256sum", vhdx.toString()));
        UUID hyperVPoint = UUID.randomUUID();
        Supplier<List<PointDisks.Disk>> disks = () -> PointDisks.of(point,
                PointDisksTest.manifest("hyperv", "Virtual Hard Disks/gf.vhdx"));
        assertThat(disks.get()).extracting(PointDisks.Disk::format).containsExactly("vhdx");

        listing("/").then().statusCode(200);
        // Held so that the first point's appliance does not go idle while this one starts (the last test uses it).
        try (AppliancePool.Lease keep = pool.lease(UUID.fromString(pointId), List::of)) {
            pool.awaitReady(hyperVPoint, disks, LAUNCH);
        }
        try (AppliancePool.Lease lease = pool.lease(hyperVPoint, disks)) {
            Appliance appliance = lease.appliance();
            assertThat(appliance.fileSystems()).extracting(GuestFileSystem::device, GuestFileSystem::type)
                    .contains(tuple(FS, "ext4"), tuple("/dev/sda4", "xfs"));
            assertThat(appliance.list("/dev/sda4", GuestPath.parse("path", "/home/ana"), 0, 100).entries())
                    .extracting(GuestEntry::name).contains("report.bin", GuestDiskBuilder.ODD_NAME);
            Appliance.FileRef report = appliance.file(FS, GuestPath.parse("path", "/home/ana/report.bin"));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            appliance.download(pool.fifoFolder(), pool.transfers(), report, 0, report.size(), out);
            assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(tree.resolve("home/ana/report.bin")));
        }
        assertThat(QemuLab.exec(List.of("sha256sum", vhdx.toString()))).as("the VHDX is only read").isEqualTo(before);
    }

    @Test
    @Order(13)
    void aRestoreTheServerDiedInIsFailedAtTheNextStartWithOnlyItsOwnStagingRemoved() throws IOException {
        Path root = Files.createDirectories(home.resolve("restores")).toRealPath();
        UUID crashed = UUID.randomUUID();
        Path target = root.resolve("crashed-" + crashed);
        try (Staging staging = Staging.within(root, target, crashed)) {
            Files.write(staging.createStagingFolder().resolve("half-written.bin"), new byte[4096]);
        }
        Path staged = root.resolve(".crashed-" + crashed + ".restore-" + crashed);
        assertThat(staged).isDirectory();
        // A journal whose staging name is a link to someone's folder: neither followed nor deleted.
        UUID linked = UUID.randomUUID();
        Path elsewhere = Files.createDirectories(home.resolve("not-a-staging-" + linked));
        Files.writeString(elsewhere.resolve("keep.txt"), "keep");
        Path link = Files.createSymbolicLink(root.resolve(".linked-" + linked + ".restore-" + linked), elsewhere);
        Path journals = Files.createDirectories(home.resolve("guest-files/restores"));
        for (UUID id : List.of(crashed, linked)) {
            String name = id.equals(crashed) ? "crashed-" : "linked-";
            Files.write(journals.resolve(id + ".json"), mapper.writeValueAsBytes(new GuestRestores.Journal(id,
                    java.time.Instant.now(), UUID.fromString(pointId), FS, List.of("/home/ana/report.bin"),
                    root.resolve(name + id).toString(), root.toString(), false, "admin")));
        }

        restores.recover();

        assertThat(staged).doesNotExist();
        assertThat(target).doesNotExist();
        JsonPath failed = json().get("/api/guest-restores/{id}", crashed.toString()).then().statusCode(200).extract().jsonPath();
        assertThat(failed.getString("status")).isEqualTo("FAILED");
        assertThat(failed.getString("error")).contains("server stopped", "staging folder was removed");
        assertThat(link).isSymbolicLink();
        assertThat(elsewhere.resolve("keep.txt")).hasContent("keep");
        assertThat(json().get("/api/guest-restores/{id}", linked.toString()).then().statusCode(200).extract().jsonPath()
                .getString("error")).contains("left as it is");
        try (var left = Files.list(journals)) {
            assertThat(left).isEmpty();
        }
        Files.delete(link);
    }

    @Test
    @Order(100)
    void anIdleApplianceIsStoppedAfterItsTimeout() {
        listing("/").then().statusCode(200);
        int pid = pool.running().get(UUID.fromString(pointId));
        assertThat(ProcessHandle.of(pid)).isPresent();
        json().get("/api/restore-points/{id}/guest/status", pointId).then().statusCode(200).body("status", equalTo("ready"));

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> !pool.running().containsKey(UUID.fromString(pointId)) && ProcessHandle.of(pid).isEmpty());
        json().get("/api/restore-points/{id}/guest/status", pointId).then().statusCode(200)
                .body("status", equalTo("stopped"));
    }
}
