package io.stillpoint.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stillpoint.copy.ContentDigest;
import io.stillpoint.fs.NotOwnedException;
import io.stillpoint.fs.OwnedFolder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The repository check on real folders: what it removes is provably Stillpoint's, the rest is reported. */
class RepositoryCheckTest {

    @TempDir
    Path dir;

    OwnedFolder repository;
    final String vm = UUID.randomUUID().toString();

    @BeforeEach
    void markedRepository() throws IOException {
        repository = OwnedFolder.create(dir.resolve("repository"), RepositoryLayout.PURPOSE, UUID.randomUUID());
    }

    @Test
    void aFolderSomeoneDroppedInIsReportedAndNeverRemoved() throws IOException {
        Path thesis = Files.createDirectories(repository.path().resolve("projects/thesis"));
        Files.writeString(thesis.resolve("chapter1.txt"), "words");
        Files.writeString(repository.path().resolve("notes.txt"), "mine");
        Path unnamed = Files.createDirectories(repository.path().resolve(vm).resolve("holiday"));

        RepositoryReport report = RepositoryCheck.run(repository, catalog(Set.of(), Set.of()), true);

        assertThat(report.unknown()).containsExactlyInAnyOrder("notes.txt", "projects", vm + "/holiday");
        assertThat(report.removed()).isEmpty();
        assertThat(report.leftovers()).isEmpty();
        assertThat(thesis.resolve("chapter1.txt")).hasContent("words");
        assertThat(unnamed).isDirectory();
    }

    @Test
    void aPointWhoseDeletionTheCatalogRecordedIsRemovedWithItsEmptyVmFolder() throws IOException {
        String point = point(UUID.randomUUID());

        RepositoryReport dryRun = RepositoryCheck.run(repository, catalog(Set.of(), Set.of(point)), false);
        assertThat(dryRun.leftovers()).containsExactly(point);
        assertThat(dryRun.removed()).isEmpty();
        assertThat(repository.path().resolve(point)).isDirectory();

        RepositoryReport report = RepositoryCheck.run(repository, catalog(Set.of(), Set.of(point)), true);

        assertThat(report.removed()).containsExactly(point);
        assertThat(repository.path().resolve(vm)).doesNotExist();
        assertThat(repository.path().resolve(OwnedFolder.MARKER)).exists();
    }

    @Test
    void aPartialIsRemovedOnlyWhenItCarriesTheMarkerOfARunThatEnded() throws IOException {
        UUID ended = UUID.randomUUID();
        UUID running = UUID.randomUUID();
        String ofEndedRun = partial(ended);
        String ofRunningRun = partial(running);
        String unmarked = vm + "/" + UUID.randomUUID() + RepositoryLayout.PARTIAL_SUFFIX;
        Files.createDirectories(repository.path().resolve(unmarked).resolve("files"));
        RepositoryCheck.Catalog catalog = new RepositoryCheck.Catalog(Set.of(), Set.of(), running::equals);

        RepositoryReport report = RepositoryCheck.run(repository, catalog, true);

        assertThat(report.removed()).containsExactly(ofEndedRun);
        assertThat(report.unknown()).containsExactly(unmarked);
        assertThat(repository.path().resolve(ofEndedRun)).doesNotExist();
        assertThat(repository.path().resolve(ofRunningRun).resolve("files/disk.vhdx")).exists();
        assertThat(repository.path().resolve(unmarked)).isDirectory();
    }

    @Test
    void pointsOfAnotherCatalogAreReportedWithTheirManifestsAndKept() throws IOException {
        UUID id = UUID.randomUUID();
        String found = point(id);
        String cataloged = point(UUID.randomUUID());

        RepositoryReport report = RepositoryCheck.run(repository, catalog(Set.of(cataloged), Set.of()), true);

        assertThat(report.unknown()).containsExactly(found);
        assertThat(report.notInCatalog()).singleElement().satisfies(p -> {
            assertThat(p.path()).isEqualTo(found);
            assertThat(p.restorePointId()).isEqualTo(id);
            assertThat(p.vmName()).isEqualTo("db01");
        });
        assertThat(report.missing()).isEmpty();
        assertThat(repository.path().resolve(found).resolve(RepositoryLayout.MANIFEST)).exists();
    }

    @Test
    void cataloguedPointsWhoseFilesAreGoneAreReportedMissing() throws IOException {
        String gone = vm + "/" + UUID.randomUUID();
        String noManifest = point(UUID.randomUUID());
        Files.delete(repository.path().resolve(noManifest).resolve(RepositoryLayout.MANIFEST));
        String kept = point(UUID.randomUUID());

        RepositoryReport report = RepositoryCheck.run(repository, catalog(Set.of(gone, noManifest, kept), Set.of()), true);

        assertThat(report.missing()).containsExactlyInAnyOrder(gone, noManifest);
        assertThat(report.leftovers()).isEmpty();
        assertThat(report.unknown()).containsExactly(noManifest);
        assertThat(repository.path().resolve(kept).resolve(ChunkIndex.FILE)).exists();
        assertThat(repository.path().resolve(noManifest)).isDirectory();
    }

    @Test
    void aLinkNamedLikeAPointIsNeverFollowed() throws IOException {
        Path victim = Files.createDirectories(dir.resolve("victim"));
        Files.writeString(victim.resolve("precious.txt"), "precious");
        String link = vm + "/" + UUID.randomUUID();
        Files.createDirectories(repository.path().resolve(vm));
        Files.createSymbolicLink(repository.path().resolve(link), victim);
        String linkedVm = UUID.randomUUID().toString();
        Files.createSymbolicLink(repository.path().resolve(linkedVm), victim);
        String throughLinkedVm = linkedVm + "/" + UUID.randomUUID();
        Files.createDirectories(victim.resolve(throughLinkedVm.substring(linkedVm.length() + 1)));
        String unknownLink = UUID.randomUUID().toString();
        Files.createSymbolicLink(repository.path().resolve(unknownLink), victim);

        RepositoryReport report = RepositoryCheck.run(repository, catalog(Set.of(), Set.of(link, throughLinkedVm)), true);

        assertThat(report.unknown()).contains(linkedVm, unknownLink);
        assertThat(report.removed()).containsExactly(link);
        assertThat(report.leftovers()).doesNotContain(throughLinkedVm);
        assertThat(Files.exists(repository.path().resolve(link), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(victim.resolve("precious.txt")).hasContent("precious");
        assertThat(victim.resolve(throughLinkedVm.substring(linkedVm.length() + 1))).isDirectory();
        assertThat(Files.isSymbolicLink(repository.path().resolve(unknownLink))).isTrue();
    }

    @Test
    void aFolderAnOlderVersionLeftIsMarkedOnlyWhenItHoldsNothingButRestorePoints() throws IOException {
        Path legacy = Files.createDirectories(dir.resolve("legacy"));
        String vmDir = UUID.randomUUID().toString();
        Path finished = Files.createDirectories(legacy.resolve(vmDir).resolve(UUID.randomUUID().toString()));
        Files.writeString(finished.resolve(RepositoryLayout.MANIFEST), "{}");
        Files.createDirectories(legacy.resolve(vmDir).resolve(UUID.randomUUID() + RepositoryLayout.PARTIAL_SUFFIX));
        UUID id = UUID.randomUUID();

        assertThat(RepositoryCheck.foreignContent(legacy)).isEmpty();
        OwnedFolder.adopt(legacy, RepositoryLayout.PURPOSE, id, RepositoryCheck::foreignContent);
        assertThat(OwnedFolder.read(legacy).orElseThrow().id()).isEqualTo(id);

        Path mixed = Files.createDirectories(dir.resolve("mixed"));
        Files.createDirectories(mixed.resolve(UUID.randomUUID().toString()).resolve(UUID.randomUUID().toString()));
        Files.createDirectories(mixed.resolve("projects/thesis"));
        assertThat(RepositoryCheck.foreignContent(mixed)).isPresent();
        assertThatThrownBy(() -> OwnedFolder.adopt(mixed, RepositoryLayout.PURPOSE, id, RepositoryCheck::foreignContent))
                .isInstanceOf(NotOwnedException.class).hasMessageContaining("did not make");
        assertThat(mixed.resolve(OwnedFolder.MARKER)).doesNotExist();
        assertThat(RepositoryCheck.foreignContent(Path.of("/etc"))).isPresent();
    }

    private RepositoryCheck.Catalog catalog(Set<String> points, Set<String> deleted) {
        return new RepositoryCheck.Catalog(points, deleted, run -> false);
    }

    /** A finished restore point with its chunk index and manifest, as a run leaves it. */
    private String point(UUID id) throws IOException {
        String relative = vm + "/" + id;
        Path point = Files.createDirectories(repository.path().resolve(relative).resolve(RepositoryLayout.FILES));
        Files.writeString(point.resolve("disk.vhdx"), "data");
        Manifest manifest = new Manifest(Manifest.FORMAT, id, new ManifestVm(UUID.fromString(vm), "db01", "ref",
                "demo", "simulated", "Debian 12", 1024, false), Instant.now(), "pause", "crash", "simulated",
                "sha256", Map.of(), 4, 1, List.of());
        ChunkIndex.write(repository.path().resolve(relative),
                Map.of("files/disk.vhdx", List.of(ContentDigest.chunkDigest(ByteBuffer.wrap("data".getBytes(StandardCharsets.UTF_8))))));
        Files.write(repository.path().resolve(relative).resolve(RepositoryLayout.MANIFEST), ManifestCodec.encode(manifest));
        return relative;
    }

    /** A {@code .partial} directory as a run writes it, marked with the run's id. */
    private String partial(UUID run) throws IOException {
        String relative = vm + "/" + UUID.randomUUID() + RepositoryLayout.PARTIAL_SUFFIX;
        OwnedFolder written = OwnedFolder.create(repository.path().resolve(relative), RepositoryLayout.PARTIAL_PURPOSE, run);
        Files.createDirectories(written.path().resolve("files"));
        Files.writeString(written.path().resolve("files/disk.vhdx"), "data");
        return relative;
    }
}
