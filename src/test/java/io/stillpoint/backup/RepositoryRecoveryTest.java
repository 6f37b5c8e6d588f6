package io.stillpoint.backup;

import static io.stillpoint.testing.Api.awaitFinished;
import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.catalog.BackupRun;
import io.stillpoint.catalog.PendingDeletion;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.catalog.RunStatus;
import io.stillpoint.config.NodeName;
import io.stillpoint.fs.NoFollowDelete;
import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.repository.RepositoryLayout;
import io.stillpoint.testing.Api;
import io.stillpoint.testing.CatalogRows;
import io.stillpoint.testing.Health;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the check at every start (and a check by hand) does with what interrupted work left: it removes what
 * the catalog proves is Stillpoint's own leftover, and keeps everything else, including another
 * repository's restore points.
 */
@QuarkusTest
class RepositoryRecoveryTest {

    private static final long MIB = 1024 * 1024;

    @ConfigProperty(name = "stillpoint.home")
    Path home;

    @Inject
    RunRecovery recovery;

    @Inject
    NodeName node;

    @Inject
    PendingDeletions deletions;

    String tag;
    String vmId;

    @BeforeEach
    void vm() throws IOException {
        tag = UUID.randomUUID().toString().substring(0, 8);
        String hostId = Api.createSimulatedHost("recovery-" + tag, Files.createDirectories(home.resolve("recovery-" + tag)));
        vmId = Api.createVm(hostId, "vm", 16 * MIB, 16 * MIB, false);
    }

    /** The review's case: a second repository on the first one's folder, by another spelling of its path. */
    @Test
    void theStartUpCheckKeepsAnotherRepositorysPoints() throws IOException {
        Path folder = home.resolve("first-" + tag);
        String first = Api.createRepository("first-" + tag, folder);
        List<String> points = List.of(backup(first), backup(first));
        UUID second = insertRepository("second-" + tag, home + "/./first-" + tag);

        recovery.recover();

        for (String point : points) {
            assertThat(folder.resolve(vmId).resolve(point).resolve(RepositoryLayout.MANIFEST)).isRegularFile();
        }
        json().post("/api/repositories/{id}/check", second).then().statusCode(200)
                .body("problems[0]", containsString("not as the repository folder of " + second))
                .body("removed", equalTo(List.of()));
        assertThat(Health.ready()).isFalse();
        assertThat(Health.ofRepository("second-" + tag))
                .contains("marked as the repository folder of " + first);

        json().delete("/api/repositories/{id}", second).then().statusCode(200).body("folderRemoved", equalTo(false));

        assertThat(OwnedFolder.read(folder).orElseThrow().id()).hasToString(first);
        for (String point : points) {
            assertThat(folder.resolve(vmId).resolve(point).resolve(RepositoryLayout.MANIFEST)).isRegularFile();
        }
        json().post("/api/repositories/{id}/check", first).then().statusCode(200)
                .body("unknown", equalTo(List.of())).body("missing", equalTo(List.of()));
    }

    @Test
    void aPartialLeftByACrashedRunIsRemovedAtStartAndOneStillpointDidNotMarkIsKept() throws IOException {
        Path folder = home.resolve("crashed-" + tag);
        String repositoryId = Api.createRepository("crashed-" + tag, folder);
        Path real = folder.toRealPath();
        UUID crashed = insertRun(repositoryId, RunStatus.RUNNING);
        Path ofCrashedRun = partial(real, crashed);
        setPartialPath(crashed, ofCrashedRun);
        Path ofFailedRun = partial(real, insertRun(repositoryId, RunStatus.FAILED));
        Path unmarked = Files.createDirectories(real.resolve(vmId).resolve(UUID.randomUUID() + RepositoryLayout.PARTIAL_SUFFIX));
        Files.writeString(unmarked.resolve("someone's.txt"), "not ours");

        recovery.recover();

        assertThat(ofCrashedRun).doesNotExist();
        assertThat(ofFailedRun).doesNotExist();
        assertThat(unmarked.resolve("someone's.txt")).hasContent("not ours");
        json().get("/api/runs/{id}", crashed.toString()).then().statusCode(200)
                .body("status", equalTo("FAILED")).body("error", containsString("interrupted"));
        json().post("/api/repositories/{id}/check", repositoryId).then().statusCode(200)
                .body("unknown", equalTo(List.of(vmId + "/" + unmarked.getFileName())));
    }

    @Test
    void aPointDeletedFromTheCatalogWhoseFilesStayedIsRemovedByTheNextCheck() throws IOException {
        Path folder = home.resolve("interrupted-" + tag);
        String repositoryId = Api.createRepository("interrupted-" + tag, folder);
        String point = backup(repositoryId);
        // What RestorePointDeleter's transaction records, with the server stopping before the files go.
        QuarkusTransaction.requiringNew().run(() -> {
            RestorePoint row = RestorePoint.byId(UUID.fromString(point)).orElseThrow();
            PendingDeletion.of(row, BackupRepository.byId(row.repositoryId).orElseThrow()).persist();
            row.delete();
        });

        json().post("/api/repositories/{id}/check?dryRun=true", repositoryId).then().statusCode(200)
                .body("leftovers", equalTo(List.of(vmId + "/" + point))).body("removed", equalTo(List.of()));
        assertThat(folder.resolve(vmId).resolve(point)).isDirectory();
        json().post("/api/repositories/{id}/check", repositoryId).then().statusCode(200)
                .body("removed", equalTo(List.of(vmId + "/" + point)));

        assertThat(folder.resolve(vmId)).doesNotExist();
        assertThat(QuarkusTransaction.requiringNew().call(() -> PendingDeletion.ofRepository(UUID.fromString(repositoryId))))
                .isEmpty();
    }

    /** Deletions are forgotten a batch at a time, after their files: a crash between leaves some whose files are gone. */
    @Test
    void aPendingDeletionWhoseFilesAreAlreadyGoneIsForgottenByTheNextPass() throws IOException {
        Path folder = home.resolve("forgotten-" + tag);
        String repositoryId = Api.createRepository("forgotten-" + tag, folder);
        String gone = backup(repositoryId);
        String kept = backup(repositoryId);
        QuarkusTransaction.requiringNew().run(() -> {
            RestorePoint row = RestorePoint.byId(UUID.fromString(gone)).orElseThrow();
            PendingDeletion.of(row, BackupRepository.byId(row.repositoryId).orElseThrow()).persist();
            row.delete();
        });
        NoFollowDelete.entry(folder.resolve(vmId), gone);

        PendingDeletions.Outcome outcome = deletions.finish(UUID.fromString(repositoryId));

        assertThat(outcome.problems()).isEmpty();
        assertThat(outcome.removed()).containsExactly(vmId + "/" + gone);
        assertThat(QuarkusTransaction.requiringNew().call(() -> PendingDeletion.ofRepository(UUID.fromString(repositoryId))))
                .isEmpty();
        assertThat(folder.resolve(vmId).resolve(kept).resolve("manifest.json")).isRegularFile();
    }

    @Test
    void aRepositoryDeletionInterruptedAfterTheCatalogIsFinishedAtStart() throws IOException {
        Path folder = home.resolve("half-deleted-" + tag);
        String repositoryId = Api.createRepository("half-deleted-" + tag, folder);
        String point = backup(repositoryId);
        Path chapter = Files.createDirectories(folder.resolve("projects")).resolve("chapter1.txt");
        Files.writeString(chapter, "words");
        // What RepositoryDeleter's transaction records, with the server stopping before the files go.
        QuarkusTransaction.requiringNew().run(() -> {
            BackupRepository repository = BackupRepository.byId(UUID.fromString(repositoryId)).orElseThrow();
            RestorePoint row = RestorePoint.byId(UUID.fromString(point)).orElseThrow();
            PendingDeletion.of(row, repository).persist();
            PendingDeletion.folder(repository).persist();
            row.delete();
            repository.delete();
        });

        recovery.recover();

        assertThat(folder.resolve(vmId)).doesNotExist();
        assertThat(folder.resolve(OwnedFolder.MARKER)).doesNotExist();
        assertThat(chapter).hasContent("words");
        assertThat(QuarkusTransaction.requiringNew().call(() -> PendingDeletion.ofRepository(UUID.fromString(repositoryId))))
                .isEmpty();
    }

    @Test
    void aFolderAnOlderVersionLeftIsMarkedAtStartOnlyWhenItHoldsNothingButRestorePoints() throws IOException {
        Path legacy = home.resolve("legacy-" + tag);
        Path finished = Files.createDirectories(legacy.resolve(vmId).resolve(UUID.randomUUID().toString()));
        Files.writeString(finished.resolve(RepositoryLayout.MANIFEST), "{}");
        Path oldPartial = Files.createDirectories(legacy.resolve(vmId).resolve(UUID.randomUUID() + RepositoryLayout.PARTIAL_SUFFIX));
        UUID shaped = insertRepository("legacy-" + tag, legacy.toString());
        Path mixed = home.resolve("mixed-" + tag);
        Path chapter = Files.createDirectories(mixed.resolve("projects/thesis")).resolve("chapter1.txt");
        Files.writeString(chapter, "words");
        Path stale = Files.createDirectories(mixed.resolve(vmId).resolve(UUID.randomUUID() + RepositoryLayout.PARTIAL_SUFFIX));
        UUID foreign = insertRepository("mixed-" + tag, mixed.toString());

        recovery.recover();

        assertThat(OwnedFolder.read(legacy).orElseThrow().id()).isEqualTo(shaped);
        assertThat(finished.resolve(RepositoryLayout.MANIFEST)).exists();
        assertThat(oldPartial).isDirectory();
        assertThat(OwnedFolder.read(mixed)).isEmpty();
        assertThat(chapter).hasContent("words");
        assertThat(stale).isDirectory();
        json().post("/api/repositories/{id}/check", foreign.toString()).then().statusCode(200)
                .body("problems[0]", containsString("carries no Stillpoint marker"))
                .body("problems[0]", containsString("projects"));
        assertThat(Health.ready()).isFalse();
        assertThat(Health.ofRepository("mixed-" + tag))
                .contains("carries no Stillpoint marker");
        JsonPath run = awaitFinished("runs", Api.backup(vmId, Map.of("mode", "pause", "repositoryId", foreign.toString())));
        assertThat(run.getString("status")).isEqualTo("FAILED");
        assertThat(run.getString("error")).contains("carries no Stillpoint marker");

        json().delete("/api/repositories/{id}", foreign.toString()).then().statusCode(200);
        json().delete("/api/repositories/{id}", shaped.toString()).then().statusCode(200);
        assertThat(chapter).hasContent("words");
        assertThat(stale).isDirectory();
        assertThat(finished.resolve(RepositoryLayout.MANIFEST)).exists();
        json().get("/api/repositories").then().body("name", not(hasItem("mixed-" + tag)));
    }

    private String backup(String repositoryId) {
        JsonPath run = awaitFinished("runs", Api.backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));
        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        return run.getString("restorePointId");
    }

    /** A catalog row as an older version stored it: any spelling of the path, no marker written. */
    private static UUID insertRepository(String name, String path) {
        return QuarkusTransaction.requiringNew().call(() -> {
            BackupRepository repository = new BackupRepository();
            repository.id = UUID.randomUUID();
            repository.name = name;
            repository.path = path;
            repository.createdAt = Instant.now();
            repository.persist();
            return repository.id;
        });
    }

    private UUID insertRun(String repositoryId, RunStatus status) {
        return CatalogRows.run(vmId, repositoryId, status, node.value());
    }

    private static void setPartialPath(UUID runId, Path partial) {
        QuarkusTransaction.requiringNew().run(() -> BackupRun.<BackupRun>findById(runId).partialPath = partial.toString());
    }

    /** A {@code .partial} directory as a run writes it, marked with the run's id, half copied. */
    private Path partial(Path repository, UUID runId) throws IOException {
        Path partial = repository.resolve(vmId).resolve(UUID.randomUUID() + RepositoryLayout.PARTIAL_SUFFIX);
        OwnedFolder.create(partial, RepositoryLayout.PARTIAL_PURPOSE, runId);
        Files.createDirectories(partial.resolve(RepositoryLayout.FILES));
        Files.writeString(partial.resolve(RepositoryLayout.FILES).resolve("disk.vhdx"), "half");
        return partial;
    }
}
