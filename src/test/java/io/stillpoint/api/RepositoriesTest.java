package io.stillpoint.api;

import static io.stillpoint.testing.Api.awaitFinished;
import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.stillpoint.backup.RetentionPolicy;
import io.stillpoint.backup.RetentionService;
import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.fs.NoFollowDelete;
import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.testing.Api;
import io.stillpoint.testing.Health;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Where a repository may be, what its check removes and reports, and how it is deleted: with real folders
 * next to and inside repositories.
 */
@QuarkusTest
class RepositoriesTest {

    private static final long MIB = 1024 * 1024;

    @ConfigProperty(name = "stillpoint.home")
    Path home;

    @Inject
    RetentionService retention;

    String tag;

    @BeforeEach
    void tag() {
        tag = UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void aFolderHoldingSomeoneElsesFilesIsRefusedAndNothingChanges() throws IOException {
        Path folder = home.resolve("someone-" + tag);
        Path chapter = Files.createDirectories(folder.resolve("projects/thesis")).resolve("chapter1.txt");
        Files.writeString(chapter, "It was a dark and stormy night");
        List<String> before = listing(folder);
        int repositories = repositories().size();

        refused(folder, "not empty");
        refused(Path.of("/etc"), "not empty");

        assertThat(listing(folder)).isEqualTo(before);
        assertThat(chapter).hasContent("It was a dark and stormy night");
        assertThat(Path.of("/etc", OwnedFolder.MARKER)).doesNotExist();
        assertThat(repositories()).hasSize(repositories);
    }

    @Test
    void theHomeAndTheFoldersStillpointKeepsThereAreRefused() throws IOException {
        int repositories = repositories().size();

        refused(home, "is Stillpoint's home");
        refused(home.getParent(), "holds Stillpoint's home");
        refused(home.resolve("pg").resolve("base-" + tag), "'pg'");
        refused(home.resolve("work"), "'work'");
        refused(home.resolve("demo-" + tag).resolve("..").resolve("pg"), "'..'");

        assertThat(home.resolve("pg").resolve("base-" + tag)).doesNotExist();
        assertThat(repositories()).hasSize(repositories);
    }

    @Test
    void theSameFolderByAnotherNameThroughALinkOrNestedEitherWayIsRefused() throws IOException {
        Path first = home.resolve("first-" + tag);
        Api.createRepository("first-" + tag, first);
        Path link = Files.createSymbolicLink(home.resolve("link-" + tag), first);
        Path outer = home.resolve("outer-" + tag);
        Api.createRepository("inner-" + tag, outer.resolve("inner"));
        int repositories = repositories().size();

        refused(Path.of(home + "/./first-" + tag), "is repository 'first-" + tag + "'");
        refused(link, "is repository 'first-" + tag + "'");
        refused(first.resolve("nested"), "lies inside repository 'first-" + tag + "'");
        refused(link.resolve("nested"), "lies inside repository 'first-" + tag + "'");
        refused(outer, "holds repository 'inner-" + tag + "'");

        assertThat(first.resolve("nested")).doesNotExist();
        assertThat(repositories()).hasSize(repositories);
    }

    @Test
    void restoreRootsAndHostFoldersAreRefused() throws IOException {
        Path hosts = home.resolve("hosts-" + tag);
        Path hostRoot = Files.createDirectories(hosts.resolve("guests"));
        Api.createSimulatedHost("repo-host-" + tag, hostRoot);
        int repositories = repositories().size();

        refused(home.resolve("restores").resolve("r-" + tag), "restore root");
        refused(hostRoot.resolve("inside"), "lies inside a folder of host 'repo-host-" + tag + "'");
        refused(hosts, "holds a folder of host 'repo-host-" + tag + "'");

        assertThat(hostRoot.resolve("inside")).doesNotExist();
        assertThat(repositories()).hasSize(repositories);
    }

    @Test
    void aHostWhoseFoldersWouldOverlapARepositoryIsRefusedAndNothingIsCreated() throws IOException {
        Path repository = home.resolve("kept-apart-" + tag);
        Api.createRepository("kept-apart-" + tag, repository);
        int hosts = json().get("/api/hosts").then().statusCode(200).extract().path("size()");

        // the home holds every repository of these tests; which one the answer names first does not matter
        Map<Path, String> refusals = Map.of(repository.resolve("guests"), "overlaps repository 'kept-apart-" + tag + "'",
                repository, "overlaps repository 'kept-apart-" + tag + "'", home, "overlaps repository '");
        refusals.forEach((root, detail) -> problem(json().body(Map.of(
                "name", "overlapping-" + UUID.randomUUID().toString().substring(0, 8), "type", "simulated",
                "settings", Map.of("root", root.toString()))).post("/api/hosts"), 400, detail));

        assertThat(repository.resolve("guests")).doesNotExist();
        assertThat(json().get("/api/hosts").then().extract().<Integer>path("size()")).isEqualTo(hosts);
    }

    @Test
    void anEmptyFolderIsTakenAndWhatIsDroppedInLaterIsReportedNeverRemoved() throws IOException {
        Path folder = Files.createDirectories(home.resolve("empty-" + tag));
        String id = Api.createRepository("empty-" + tag, folder);
        assertThat(OwnedFolder.read(folder).orElseThrow().id()).hasToString(id);
        Path chapter = Files.createDirectories(folder.resolve("projects/thesis")).resolve("chapter1.txt");
        Files.writeString(chapter, "words");

        for (boolean dryRun : new boolean[] {true, false}) {
            json().post("/api/repositories/{id}/check?dryRun=" + dryRun, id).then().statusCode(200)
                    .body("unknown", equalTo(List.of("projects")))
                    .body("removed", equalTo(List.of()))
                    .body("leftovers", equalTo(List.of()));
        }

        assertThat(chapter).hasContent("words");
    }

    @Test
    void aCatalogedPointWhoseFilesAreGoneIsReportedByTheCheckAndByHealth() throws IOException {
        Path folder = home.resolve("gone-" + tag);
        String repositoryId = Api.createRepository("gone-" + tag, folder);
        String vmId = vm();
        String pointId = backup(vmId, repositoryId);
        NoFollowDelete.entry(folder.resolve(vmId), pointId);

        json().post("/api/repositories/{id}/check", repositoryId).then().statusCode(200)
                .body("missing", equalTo(List.of(vmId + "/" + pointId)))
                .body("removed", equalTo(List.of()));
        assertThat(Health.ready()).isFalse();
        assertThat(Health.ofRepository("gone-" + tag)).contains(pointId).contains("files are gone");

        json().delete("/api/restore-points/{id}", pointId).then().statusCode(204);

        assertThat(Health.ofRepository("gone-" + tag)).isEqualTo("ready");
    }

    @Test
    void aPlantedLinkNamedLikeARestorePointIsNeverDeletedThrough() throws IOException {
        Path folder = home.resolve("planted-" + tag);
        String repositoryId = Api.createRepository("planted-" + tag, folder);
        String vmId = vm();
        String older = backup(vmId, repositoryId);
        String newer = backup(vmId, repositoryId);
        Path victim = Files.createDirectories(home.resolve("victim-" + tag).resolve(older));
        Files.writeString(victim.resolve("precious.txt"), "precious");
        NoFollowDelete.entry(folder.resolve(vmId), older);
        Files.createSymbolicLink(folder.resolve(vmId).resolve(older), victim);
        String planted = UUID.randomUUID().toString();
        Files.createSymbolicLink(folder.resolve(planted), victim.getParent());

        json().post("/api/repositories/{id}/check", repositoryId).then().statusCode(200)
                .body("unknown", hasItem(planted)).body("unknown", hasItem(vmId + "/" + older));
        retention.apply(List.of(UUID.fromString(vmId)), UUID.fromString(repositoryId), RetentionPolicy.of(Map.of("keepLast", 1)),
                ZoneOffset.UTC, false);
        json().post("/api/repositories/{id}/check", repositoryId).then().statusCode(200);

        assertThat(Files.exists(folder.resolve(vmId).resolve(older), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(victim.resolve("precious.txt")).hasContent("precious");
        assertThat(Files.isSymbolicLink(folder.resolve(planted))).isTrue();
        assertThat(folder.resolve(vmId).resolve(newer).resolve("manifest.json")).isRegularFile();
        assertThat(folder.resolve(vmId).resolve(newer).resolve(OwnedFolder.MARKER)).doesNotExist();
    }

    @Test
    void aRepositoryIsDeletedOnlyWithItsPointsExplicitlyAndNotWhileAJobUsesIt() throws IOException {
        Path folder = home.resolve("doomed-" + tag);
        String repositoryId = Api.createRepository("doomed-" + tag, folder);
        String vmId = vm();
        JsonPath run = awaitFinished("runs", Api.backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));
        String pointId = run.getString("restorePointId");
        String jobId = json().body(Map.of("name", "doomed-" + tag, "schedule", "0 0 3 * * ?", "vmIds", List.of(vmId),
                "mode", "pause", "repositoryId", repositoryId, "retention", Map.of("keepLast", 3))).post("/api/jobs").then().statusCode(201).extract().path("id");

        problem(json().delete("/api/repositories/{id}?deletePoints=true", repositoryId), 409, "job 'doomed-" + tag + "'");
        json().delete("/api/jobs/{id}", jobId).then().statusCode(204);
        problem(json().delete("/api/repositories/{id}", repositoryId), 409, "deletePoints");
        assertThat(folder.resolve(vmId).resolve(pointId).resolve("manifest.json")).isRegularFile();
        json().get("/api/restore-points/{id}", pointId).then().statusCode(200);

        json().delete("/api/repositories/{id}?deletePoints=true", repositoryId).then().statusCode(200)
                .body("restorePointsDeleted", equalTo(1))
                .body("removed", equalTo(List.of(vmId + "/" + pointId)))
                .body("folderRemoved", equalTo(true));

        assertThat(folder).doesNotExist();
        json().get("/api/restore-points/{id}", pointId).then().statusCode(404);
        assertThat(repositories()).doesNotContain(repositoryId);
        json().get("/api/runs/{id}", run.getString("id")).then().statusCode(200).body("status", equalTo("SUCCEEDED"));
        problem(json().delete("/api/repositories/{id}", repositoryId), 404, "repository");
    }

    @Test
    void aDeletedRepositoryLeavesWhatStillpointDidNotMakeAndNoLongerClaimsTheFolder() throws IOException {
        Path folder = home.resolve("shared-" + tag);
        String repositoryId = Api.createRepository("shared-" + tag, folder);
        Path chapter = Files.createDirectories(folder.resolve("projects/thesis")).resolve("chapter1.txt");
        Files.writeString(chapter, "words");

        json().delete("/api/repositories/{id}", repositoryId).then().statusCode(200)
                .body("restorePointsDeleted", equalTo(0))
                .body("folderRemoved", equalTo(false));

        assertThat(chapter).hasContent("words");
        assertThat(folder.resolve(OwnedFolder.MARKER)).doesNotExist();
        assertThat(repositories()).doesNotContain(repositoryId);
    }

    @Test
    void aFolderThatKeepsTheMarkerOfALostCatalogIsReattached() throws IOException {
        Path folder = home.resolve("kept-" + tag);
        String first = Api.createRepository("kept-" + tag, folder);
        String vmId = vm();
        String pointId = backup(vmId, first);
        // A lost catalog: the row goes, the folder with its marker and restore point stays.
        QuarkusTransaction.requiringNew().run(() -> {
            RestorePoint.deleteById(UUID.fromString(pointId));
            BackupRepository.deleteById(UUID.fromString(first));
        });

        String again = Api.createRepository("kept-again-" + tag, folder);

        assertThat(OwnedFolder.read(folder).orElseThrow().id()).hasToString(again);
        json().post("/api/repositories/{id}/check", again).then().statusCode(200)
                .body("unknown", equalTo(List.of(vmId + "/" + pointId)))
                .body("notInCatalog[0].restorePointId", equalTo(pointId))
                .body("removed", equalTo(List.of()));
        assertThat(folder.resolve(vmId).resolve(pointId).resolve("manifest.json")).isRegularFile();
    }

    private String vm() throws IOException {
        String hostId = Api.createSimulatedHost("repositories-" + tag + "-" + UUID.randomUUID().toString().substring(0, 4),
                Files.createDirectories(home.resolve("repositories-host-" + UUID.randomUUID())));
        return Api.createVm(hostId, "vm", 16 * MIB, 16 * MIB, false);
    }

    private static String backup(String vmId, String repositoryId) {
        JsonPath run = awaitFinished("runs", Api.backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));
        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        return run.getString("restorePointId");
    }

    private static void refused(Path path, String detailMentions) {
        json().body(Map.of("name", "refused-" + UUID.randomUUID().toString().substring(0, 8), "path", path.toString()))
                .post("/api/repositories").then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("detail", containsString(detailMentions))
                .body("errors[0].field", equalTo("path"));
    }

    private static void problem(Response response, int status, String detailMentions) {
        response.then().statusCode(status).contentType("application/problem+json")
                .body("detail", containsString(detailMentions));
    }

    private static List<String> repositories() {
        return json().get("/api/repositories").then().statusCode(200).extract().jsonPath().getList("id");
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> entries = Files.walk(dir)) {
            return entries.map(Path::toString).sorted().toList();
        }
    }
}
