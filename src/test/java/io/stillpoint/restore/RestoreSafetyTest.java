package io.stillpoint.restore;

import static io.stillpoint.testing.Api.awaitFinished;
import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.stillpoint.catalog.Restore;
import io.stillpoint.catalog.RunStatus;
import io.stillpoint.config.NodeName;
import io.stillpoint.copy.EntryType;
import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.repository.ManifestCodec;
import io.stillpoint.repository.ManifestEntry;
import io.stillpoint.testing.Api;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Restores against what may change under them: a link planted while a restore waits, a guest folder owned by
 * another user, links in a guest's folder, and what a crash leaves beside a target.
 */
@QuarkusTest
class RestoreSafetyTest {

    private static final long MIB = 1024 * 1024;

    @ConfigProperty(name = "stillpoint.home")
    Path home;

    @Inject
    RestoreRecovery recovery;

    @Inject
    NodeName node;

    String tag;
    Path repository;
    String repositoryId;
    String vmId;

    @BeforeEach
    void createGuest() {
        tag = UUID.randomUUID().toString().substring(0, 8);
        String hostId;
        try {
            hostId = Api.createSimulatedHost("safety-" + tag, Files.createDirectories(home.resolve("safety-" + tag)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        repository = home.resolve("safety-repo-" + tag);
        repositoryId = Api.createRepository("safety-" + tag, repository);
        vmId = Api.createVm(hostId, "guest", 16 * MIB, 16 * MIB, false);
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(guestDir().resolve("Virtual Hard Disks")));
    }

    /**
     * The restore waits, held by its restore point's manifest (a FIFO the test fills only once the link is
     * planted), after its path was confined at the request: the link must not lead its writes out of the roots.
     */
    @Test
    void aLinkPlantedWhileTheRestoreWaitsDoesNotLeadItOutOfTheRoots() throws Exception {
        String pointId = backUp();
        Path manifest = repository.resolve(vmId).resolve(pointId).resolve("manifest.json");
        byte[] content = Files.readAllBytes(manifest);
        Files.delete(manifest);
        run("mkfifo", manifest.toString());

        Path restores = Files.createDirectories(home.resolve("restores"));
        Path target = restores.resolve("planted-" + tag).resolve("inner/copy");
        String restoreId = json().body(Map.of("target", "path", "path", target.toString()))
                .post("/api/restore-points/{id}/restore", pointId).then().statusCode(202).extract().path("id");

        Path outside = Files.createDirectories(home.resolve("outside-" + tag));
        Files.createSymbolicLink(restores.resolve("planted-" + tag), outside);
        CompletableFuture.runAsync(() -> {
            try {
                Files.write(manifest, content);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).get(60, TimeUnit.SECONDS);

        JsonPath restore = awaitFinished("restores", restoreId);
        assertThat(restore.getString("status")).isEqualTo("FAILED");
        assertThat(restore.getString("error")).contains(target.toString()).contains("outside the restore roots");
        assertThat(outside).isEmptyDirectory();
    }

    @Test
    void anInPlaceRestoreKeepsTheGuestFoldersOwnerModeAndAcl() throws Exception {
        String pointId = backUp();
        Path guest = guestDir();
        Files.setOwner(guest, guest.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        Files.setPosixFilePermissions(guest, PosixFilePermissions.fromString("rwxr-x---"));
        run("setfacl", "-m", "u:daemon:rwx", "-m", "d:u:nobody:rwx", guest.toString());
        String acl = run("getfacl", "-c", "-p", guest.toString());

        String restoreId = json().body(Map.of("target", "original", "stopVm", true))
                .post("/api/restore-points/{id}/restore", pointId).then().statusCode(202).extract().path("id");
        JsonPath restore = awaitFinished("restores", restoreId);
        assertThat(restore.getString("status")).as(restore.getString("error")).isEqualTo("SUCCEEDED");

        assertThat(Files.getOwner(guest, LinkOption.NOFOLLOW_LINKS).getName()).isEqualTo("nobody");
        assertThat(run("getfacl", "-c", "-p", guest.toString())).isEqualTo(acl);
        assertThat(guest.resolve(OwnedFolder.MARKER)).doesNotExist();
        assertThat(guest.resolve("Virtual Hard Disks/guest.vhdx")).isRegularFile();
    }

    @Test
    void aSymbolicLinkInAGuestsFolderIsBackedUpAndRestoredAsALink() throws Exception {
        Path guest = guestDir();
        Files.createDirectories(guest.resolve("x/sub/deeper"));
        Files.writeString(guest.resolve("x/sub/deeper/file.txt"), "reached through a link");
        Files.createSymbolicLink(guest.resolve("x/link"), Path.of("sub/deeper/file.txt"));
        String pointId = backUp();

        ManifestEntry link = ManifestCodec.read(repository.resolve(vmId).resolve(pointId).resolve("manifest.json"))
                .entries().stream().filter(e -> e.path().equals("files/x/link")).findFirst().orElseThrow();
        assertThat(link.type()).isEqualTo(EntryType.SYMLINK);
        assertThat(link.linkTarget()).isEqualTo("sub/deeper/file.txt");

        Path target = home.resolve("restores").resolve("links-" + tag);
        String restoreId = json().body(Map.of("target", "path", "path", target.toString()))
                .post("/api/restore-points/{id}/restore", pointId).then().statusCode(202).extract().path("id");
        JsonPath restore = awaitFinished("restores", restoreId);
        assertThat(restore.getString("status")).as(restore.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(Files.isSymbolicLink(target.resolve("x/link"))).isTrue();
        assertThat(Files.readSymbolicLink(target.resolve("x/link"))).isEqualTo(Path.of("sub/deeper/file.txt"));
        assertThat(target.resolve("x/link")).hasContent("reached through a link");
        assertThat(target.resolve(OwnedFolder.MARKER)).doesNotExist();
    }

    @Test
    void recoveryRemovesOnlyTheMarkedStagingOfTheRestoreItRecovers() throws IOException {
        String pointId = backUp();
        Path folder = Files.createDirectories(home.resolve("restores").resolve("recovered-" + tag));
        UUID interrupted = interruptedRestore(pointId, folder.resolve("copy"));
        Path staging = Files.createDirectories(folder.resolve(".copy.restore-" + interrupted));
        OwnedFolder.create(staging, Staging.PURPOSE, interrupted);
        Files.writeString(staging.resolve("half-copied"), "x");

        UUID another = interruptedRestore(pointId, folder.resolve("other"));
        Path notItsOwn = Files.createDirectories(folder.resolve(".other.restore-" + another));
        OwnedFolder.create(notItsOwn, Staging.PURPOSE, UUID.randomUUID());
        Files.writeString(notItsOwn.resolve("someone-elses"), "kept");

        recovery.recover();

        assertThat(staging).doesNotExist();
        assertThat(notItsOwn.resolve("someone-elses")).hasContent("kept");
        JsonPath first = json().get("/api/restores/{id}", interrupted.toString()).then().extract().jsonPath();
        assertThat(first.getString("status")).isEqualTo("FAILED");
        assertThat(first.getString("error")).contains("interrupted").contains("staging folder was removed");
        assertThat(json().get("/api/restores/{id}", another.toString()).then().extract().<String>path("error"))
                .contains("not as the restore-staging folder of " + another);
    }

    private UUID interruptedRestore(String pointId, Path target) {
        UUID id = UUID.randomUUID();
        QuarkusTransaction.requiringNew().run(() -> {
            Restore restore = new Restore();
            restore.id = id;
            restore.restorePointId = UUID.fromString(pointId);
            restore.vmId = UUID.fromString(vmId);
            restore.target = RestoreTarget.PATH.id();
            restore.targetPath = target.toString();
            restore.status = RunStatus.RUNNING;
            restore.node = node.value();
            restore.createdAt = Instant.now();
            restore.persist();
        });
        return id;
    }

    private String backUp() {
        JsonPath run = awaitFinished("runs", Api.backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));
        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        return run.getString("restorePointId");
    }

    private Path guestDir() {
        return Path.of(json().get("/api/vms/{id}", vmId).then().extract().<String>path("directory"));
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).as(output).isZero();
        return output;
    }
}
