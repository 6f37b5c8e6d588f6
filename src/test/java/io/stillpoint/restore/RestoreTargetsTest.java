package io.stillpoint.restore;

import static io.stillpoint.testing.Api.awaitFinished;
import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.stillpoint.copy.EntryType;
import io.stillpoint.copy.FileDigests;
import io.stillpoint.copy.CancellationSignal;
import io.stillpoint.repository.Manifest;
import io.stillpoint.repository.ManifestCodec;
import io.stillpoint.repository.ManifestEntry;
import io.stillpoint.testing.Api;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Restore as a new VM, in place keeping the previous files, single files, verify and idempotency. */
@QuarkusTest
class RestoreTargetsTest {

    private static final long MIB = 1024 * 1024;

    @ConfigProperty(name = "stillpoint.home")
    Path home;

    String hostId;
    Path repository;
    String vmId;
    String pointId;
    Path pointDir;
    Manifest manifest;

    @BeforeEach
    void backUpAGuest() throws IOException {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        hostId = Api.createSimulatedHost("restore-" + tag, Files.createDirectories(home.resolve("restore-" + tag)));
        repository = home.resolve("restore-repo-" + tag);
        String repositoryId = Api.createRepository("restore-" + tag, repository);
        vmId = Api.createVm(hostId, "source", 64 * MIB, 16 * MIB, false);
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(guestDir().resolve("Virtual Hard Disks")));
        JsonPath run = awaitFinished("runs", Api.backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));
        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        pointId = run.getString("restorePointId");
        pointDir = repository.resolve(vmId).resolve(pointId);
        manifest = ManifestCodec.read(pointDir.resolve("manifest.json"));
    }

    @Test
    void restoresAsANewVmWithItsOwnIdentity() throws IOException {
        String restoreId = json().body(Map.of("target", "new-vm", "name", "source-clone"))
                .post("/api/restore-points/{id}/restore", pointId).then().statusCode(202).extract().path("id");
        JsonPath restore = awaitFinished("restores", restoreId);
        assertThat(restore.getString("status")).as(restore.getString("error")).isEqualTo("SUCCEEDED");

        String cloneId = restore.getString("newVmId");
        JsonPath clone = json().get("/api/vms/{id}", cloneId).then().statusCode(200).extract().jsonPath();
        JsonPath original = json().get("/api/vms/{id}", vmId).then().extract().jsonPath();
        assertThat(clone.getString("name")).isEqualTo("source-clone");
        assertThat(clone.getString("ref")).isNotEqualTo(original.getString("ref"));
        assertThat(clone.getString("state")).isEqualTo("OFF");
        assertThat(clone.getList("disks", String.class)).containsExactly("Virtual Hard Disks/source-clone.vhdx");
        assertThat(original.getString("state")).isEqualTo("RUNNING");

        Path cloneDisk = Path.of(clone.getString("directory")).resolve("Virtual Hard Disks/source-clone.vhdx");
        ManifestEntry disk = entry("files/Virtual Hard Disks/source.vhdx");
        assertThat(FileDigests.of(cloneDisk, new CancellationSignal())).isEqualTo(disk.sha256());
        assertThat(allocatedBytes(cloneDisk)).isLessThan(disk.size() / 2);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cloneDisk)))
                .isEqualTo(PosixFilePermissions.toString(PosixFilePermissions.fromString(rwx(disk.mode()))));

        String started = json().body(Map.of("target", "new-vm", "name", "source-clone-2", "startAfter", true))
                .post("/api/restore-points/{id}/restore", pointId).then().statusCode(202).extract().path("id");
        String startedVm = awaitFinished("restores", started).getString("newVmId");
        assertThat(Api.vmState(startedVm)).isEqualTo("RUNNING");

        json().body(Map.of("target", "new-vm", "name", "source-clone")).post("/api/restore-points/{id}/restore", pointId)
                .then().statusCode(400).contentType("application/problem+json").body("detail", containsString("name"));
        json().body(Map.of("target", "new-vm")).post("/api/restore-points/{id}/restore", pointId)
                .then().statusCode(400).body("detail", containsString("name"));
    }

    @Test
    void restoresInPlaceKeepingThePreviousFolderWhenAsked() throws IOException {
        String restoreId = json().body(Map.of("target", "original", "stopVm", true, "keepPrevious", true))
                .post("/api/restore-points/{id}/restore", pointId).then().statusCode(202).extract().path("id");
        JsonPath restore = awaitFinished("restores", restoreId);
        assertThat(restore.getString("status")).as(restore.getString("error")).isEqualTo("SUCCEEDED");

        assertThat(Api.vmState(vmId)).isEqualTo("OFF");
        Path guest = guestDir();
        for (ManifestEntry e : manifest.entries()) {
            if (e.type() == EntryType.FILE && e.path().startsWith("files/") && !e.path().endsWith(".state")) {
                assertThat(FileDigests.of(guest.resolve(e.path().substring(6)), new CancellationSignal()))
                        .as(e.path()).isEqualTo(e.sha256());
            }
        }
        try (Stream<Path> siblings = Files.list(guest.getParent())) {
            List<String> names = siblings.map(p -> p.getFileName().toString()).toList();
            assertThat(names).anyMatch(n -> n.startsWith("source.before-restore-"));
            assertThat(names).noneMatch(n -> n.contains(".restore-"));
        }
    }

    @Test
    void listsAndServesSingleFilesWithDigestsAndRanges() throws IOException {
        ManifestEntry disk = entry("files/Virtual Hard Disks/source.vhdx");
        json().queryParam("prefix", "Virtual Hard").queryParam("limit", 5).get("/api/restore-points/{id}/files", pointId).then().statusCode(200)
                .body("size()", equalTo(2))
                .body("[0].path", equalTo("Virtual Hard Disks"))
                .body("[0].digest", equalTo(null))
                .body("[1].digest", equalTo(disk.sha256()))
                .body("[1].digestAlgorithm", equalTo("sha256-chunked-1MiB"))
                .body("[1]", not(hasKey("sha256")));
        json().get("/api/restore-points/{id}/files?limit=1&offset=1", pointId).then().body("size()", equalTo(1));
        json().get("/api/restore-points/{id}/files?limit=0", pointId).then().statusCode(400).body("detail", containsString("limit"));

        byte[] whole = io.restassured.RestAssured.given().get("/api/restore-points/{id}/files/Virtual Hard Disks/source.vhdx", pointId)
                .then().statusCode(200)
                .header("ETag", "\"" + disk.sha256() + "\"")
                .header("Content-Length", String.valueOf(disk.size()))
                .extract().asByteArray();
        assertThat((long) whole.length).isEqualTo(disk.size());

        byte[] expected = new byte[4096];
        try (RandomAccessFile file = new RandomAccessFile(pointDir.resolve(disk.path()).toFile(), "r")) {
            file.seek(MIB);
            file.readFully(expected);
        }
        byte[] part = io.restassured.RestAssured.given().header("Range", "bytes=" + MIB + "-" + (MIB + 4095))
                .get("/api/restore-points/{id}/files/Virtual Hard Disks/source.vhdx", pointId)
                .then().statusCode(206)
                .header("Content-Range", "bytes " + MIB + "-" + (MIB + 4095) + "/" + disk.size())
                .extract().asByteArray();
        assertThat(part).isEqualTo(expected);

        io.restassured.RestAssured.given().header("Range", "bytes=99999999999-")
                .get("/api/restore-points/{id}/files/Virtual Hard Disks/source.vhdx", pointId).then().statusCode(416);
        json().get("/api/restore-points/{id}/files/../manifest.json", pointId).then().statusCode(404);
        json().get("/api/restore-points/{id}/files/nope.txt", pointId).then().statusCode(404)
                .contentType("application/problem+json");
    }

    @Test
    void aCorruptedFileFailsVerifyByNameAndRestoreNeedsForce() throws IOException {
        json().post("/api/restore-points/{id}/verify", pointId).then().statusCode(202);
        awaitVerify("OK");

        ManifestEntry disk = entry("files/Virtual Hard Disks/source.vhdx");
        try (RandomAccessFile file = new RandomAccessFile(pointDir.resolve(disk.path()).toFile(), "rw")) {
            file.seek(MIB + 100);
            int b = file.read();
            file.seek(MIB + 100);
            file.write(b ^ 0xFF);
        }
        json().post("/api/restore-points/{id}/verify", pointId).then().statusCode(202);
        JsonPath point = awaitVerify("FAILED");
        assertThat(point.getString("verifyProblems")).contains("Virtual Hard Disks/source.vhdx");

        // Its digest names other bytes now: the file is refused, or served without it when forced.
        io.restassured.RestAssured.given().get("/api/restore-points/{id}/files/Virtual Hard Disks/source.vhdx", pointId)
                .then().statusCode(409).contentType("application/problem+json").body("detail", containsString("force"));
        io.restassured.RestAssured.given().header("If-None-Match", "\"" + disk.sha256() + "\"")
                .get("/api/restore-points/{id}/files/Virtual Hard Disks/source.vhdx?force=true", pointId)
                .then().statusCode(200).header("ETag", nullValue())
                .header("Content-Length", String.valueOf(disk.size()));

        Path target = home.resolve("restores").resolve("forced-" + UUID.randomUUID());
        json().body(Map.of("target", "path", "path", target.toString())).post("/api/restore-points/{id}/restore", pointId)
                .then().statusCode(409).contentType("application/problem+json").body("detail", containsString("force"));
        assertThat(target).doesNotExist();

        String restoreId = json().body(Map.of("target", "path", "path", target.toString(), "force", true))
                .post("/api/restore-points/{id}/restore", pointId).then().statusCode(202).extract().path("id");
        JsonPath restore = awaitFinished("restores", restoreId);
        // The copy checks every file against the manifest as it goes, so the corruption stops it too.
        assertThat(restore.getString("status")).isEqualTo("FAILED");
        assertThat(restore.getString("error")).contains("source.vhdx");
        assertThat(target).doesNotExist();
    }

    @Test
    void anIdempotencyKeyReturnsTheSameRestoreAndRefusesAnotherBody() {
        String key = UUID.randomUUID().toString();
        Path target = home.resolve("restores").resolve("idem-" + UUID.randomUUID());
        Map<String, Object> body = Map.of("target", "path", "path", target.toString());
        String first = json().header("Idempotency-Key", key).body(body).post("/api/restore-points/{id}/restore", pointId)
                .then().statusCode(202).extract().path("id");
        String second = json().header("Idempotency-Key", key).body(body).post("/api/restore-points/{id}/restore", pointId)
                .then().statusCode(202).extract().path("id");
        assertThat(second).isEqualTo(first);
        awaitFinished("restores", first);

        json().header("Idempotency-Key", key).body(Map.of("target", "path", "path", target + "-other"))
                .post("/api/restore-points/{id}/restore", pointId)
                .then().statusCode(422).contentType("application/problem+json").body("detail", containsString(key));
        assertThat(Path.of(target + "-other")).doesNotExist();
    }

    @Test
    void aMissingOrBrokenManifestIsALoggedServerErrorNamingTheRestorePoint() throws IOException {
        Path manifestFile = pointDir.resolve("manifest.json");
        byte[] whole = Files.readAllBytes(manifestFile);
        List<LogRecord> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(record);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger problems = Logger.getLogger(io.stillpoint.api.ProblemMapper.class.getName());
        problems.addHandler(capture);
        try {
            Files.delete(manifestFile);
            assertUnreadable("/api/restore-points/{id}/files", "is missing", logged);
            assertUnreadable("/api/restore-points/{id}/files/Virtual Hard Disks/source.vhdx", "is missing", logged);

            Files.write(manifestFile, java.util.Arrays.copyOf(whole, whole.length / 2));
            assertUnreadable("/api/restore-points/{id}/files", "not a valid manifest", logged);
        } finally {
            problems.removeHandler(capture);
            Files.write(manifestFile, whole);
        }
    }

    private void assertUnreadable(String path, String why, List<LogRecord> logged) {
        String detail = json().get(path, pointId).then().statusCode(500).contentType("application/problem+json")
                .body("detail", containsString("restore point " + pointId))
                .body("detail", containsString(why))
                .extract().path("detail");
        String incident = detail.substring(detail.lastIndexOf("incident ") + "incident ".length());
        assertThat(logged).anyMatch(r -> r.getLevel().intValue() >= Level.SEVERE.intValue()
                && (r.getMessage() + java.util.Arrays.toString(r.getParameters())).contains(incident));
    }

    private JsonPath awaitVerify(String status) {
        JsonPath[] last = new JsonPath[1];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            last[0] = json().get("/api/restore-points/{id}", pointId).then().extract().jsonPath();
            return status.equals(last[0].getString("verifyStatus"));
        });
        return last[0];
    }

    private ManifestEntry entry(String path) {
        return manifest.entries().stream().filter(e -> e.path().equals(path)).findFirst().orElseThrow();
    }

    private Path guestDir() {
        return Path.of(json().get("/api/vms/{id}", vmId).then().extract().<String>path("directory"));
    }

    private static long allocatedBytes(Path file) throws IOException {
        Process stat = new ProcessBuilder("stat", "-c", "%b", file.toString()).start();
        return Long.parseLong(new String(stat.getInputStream().readAllBytes()).trim()) * 512;
    }

    private static String rwx(String octal) {
        int mode = Integer.parseInt(octal, 8);
        StringBuilder text = new StringBuilder();
        String letters = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            text.append((mode & (1 << (8 - i))) != 0 ? letters.charAt(i) : '-');
        }
        return text.toString();
    }
}
