package io.stillpoint.restore;

import static io.stillpoint.testing.Api.awaitFinished;
import static io.stillpoint.testing.Api.backup;
import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.stillpoint.copy.CancellationSignal;
import io.stillpoint.copy.EntryType;
import io.stillpoint.copy.FileDigests;
import io.stillpoint.repository.Manifest;
import io.stillpoint.repository.ManifestCodec;
import io.stillpoint.repository.ManifestEntry;
import io.stillpoint.testing.Api;
import io.stillpoint.testing.LoopFileSystem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * A restore from a repository that clones blocks, to a restore root on the same file system, clones the
 * point's files instead of writing their data again, and still checks every chunk against the manifest.
 */
@QuarkusTest
@TestProfile(RestoreByCloneTest.RootOnTheRepositorysFileSystem.class)
class RestoreByCloneTest {

    private static final long MIB = 1024 * 1024;

    /**
     * A second restore root, a link the test points into a loop-mounted XFS before it restores: the roots are
     * read when the server starts, the file system is made by the test.
     */
    public static class RootOnTheRepositorysFileSystem implements QuarkusTestProfile {

        static final Path ROOT_LINK = Path.of(System.getProperty("java.io.tmpdir"), "stillpoint-clone-restore-root");

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("stillpoint.restore.roots", "${stillpoint.home}/restores," + ROOT_LINK);
        }
    }

    @ConfigProperty(name = "stillpoint.home")
    Path home;

    @Test
    void aRestoreOnTheRepositorysFileSystemClonesAndChecksEveryFile() throws IOException, InterruptedException {
        try (LoopFileSystem xfs = LoopFileSystem.create(LoopFileSystem.Type.XFS, 512 * MIB)) {
            Path restores = Files.createDirectories(xfs.mountPoint().resolve("restores"));
            Path link = RootOnTheRepositorysFileSystem.ROOT_LINK;
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, restores);
            try {
                String tag = UUID.randomUUID().toString().substring(0, 8);
                Path repository = xfs.mountPoint().resolve("repository");
                String repositoryId = Api.createRepository("clone-" + tag, repository);
                String hostId = Api.createSimulatedHost("clone-" + tag, Files.createDirectories(home.resolve("hosts-" + tag)));
                String vmId = Api.createVm(hostId, "clone-" + tag, 64 * MIB, 32 * MIB, false);
                JsonPath run = awaitFinished("runs", backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));
                assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
                assertThat(run.getLong("bytesWritten")).as("the point holds data to clone").isGreaterThan(2 * MIB);
                String pointId = run.getString("restorePointId");

                Path target = restores.resolve("restored-" + tag);
                long freeBefore = free(xfs.mountPoint());
                String restoreId = json().body(Map.of("target", "path", "path", target.toString()))
                        .post("/api/restore-points/{id}/restore", pointId).then().statusCode(202).extract().path("id");
                JsonPath restore = awaitFinished("restores", restoreId);
                assertThat(restore.getString("status")).as(restore.getString("error")).isEqualTo("SUCCEEDED");
                long added = freeBefore - free(xfs.mountPoint());

                assertThat(added).as("the restore shares the point's blocks instead of writing %d bytes again",
                        run.getLong("bytesWritten")).isLessThan(MIB);
                Manifest manifest = ManifestCodec.read(repository.resolve(vmId).resolve(pointId).resolve("manifest.json"));
                for (ManifestEntry entry : manifest.entries()) {
                    if (entry.type() == EntryType.FILE && entry.path().startsWith("files/")) {
                        Path restored = target.resolve(entry.path().substring("files/".length()));
                        assertThat(FileDigests.of(restored, new CancellationSignal())).as(entry.path()).isEqualTo(entry.sha256());
                    }
                }
            } finally {
                Files.deleteIfExists(link);
            }
        }
    }

    /** Free bytes once everything written so far is on disk: delayed allocation would hide the copy's blocks. */
    private static long free(Path mountPoint) throws IOException, InterruptedException {
        Process sync = new ProcessBuilder(List.of("/usr/bin/sync", "-f", mountPoint.toString())).inheritIO().start();
        if (sync.waitFor() != 0) {
            throw new UncheckedIOException(new IOException("sync -f " + mountPoint + " failed"));
        }
        return Files.getFileStore(mountPoint).getUnallocatedSpace();
    }
}
