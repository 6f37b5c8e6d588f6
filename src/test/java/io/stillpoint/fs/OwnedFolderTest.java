package io.stillpoint.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OwnedFolderTest {

    @TempDir
    Path dir;

    final UUID id = UUID.randomUUID();

    @Test
    void aNewFolderIsCreatedAndMarkedWithItsPurposeAndOwner() throws IOException {
        OwnedFolder folder = OwnedFolder.create(dir.resolve("a/b"), "repository", id);

        assertThat(folder.path()).isEqualTo(dir.resolve("a/b").toRealPath());
        assertThat(OwnedFolder.read(folder.path())).hasValueSatisfying(o -> {
            assertThat(o.purpose()).isEqualTo("repository");
            assertThat(o.id()).isEqualTo(id);
        });
        assertThat(OwnedFolder.open(dir.resolve("a/./b"), "repository", id).path()).isEqualTo(folder.path());
    }

    @Test
    void aFolderHoldingSomeoneElsesFilesIsNeverClaimed() throws IOException {
        Path thesis = Files.createDirectories(dir.resolve("projects/thesis"));
        Files.writeString(thesis.resolve("chapter1.txt"), "words");

        assertThatThrownBy(() -> OwnedFolder.create(dir.resolve("projects"), "repository", id))
                .isInstanceOf(NotOwnedException.class).hasMessageContaining("not empty").hasMessageContaining("thesis");
        assertThat(dir.resolve("projects/" + OwnedFolder.MARKER)).doesNotExist();
    }

    @Test
    void anEmptyFolderIsClaimedAndAMarkedOneReattachedToItsNewOwner() throws IOException {
        Files.createDirectory(dir.resolve("empty"));
        OwnedFolder.create(dir.resolve("empty"), "repository", id);

        UUID afterReinstall = UUID.randomUUID();
        OwnedFolder.create(dir.resolve("empty"), "repository", afterReinstall);

        assertThat(OwnedFolder.read(dir.resolve("empty")).orElseThrow().id()).isEqualTo(afterReinstall);
        assertThatThrownBy(() -> OwnedFolder.open(dir.resolve("empty"), "repository", id))
                .isInstanceOf(NotOwnedException.class);
        assertThatThrownBy(() -> OwnedFolder.create(dir.resolve("empty"), "hyperv-shadows", id))
                .isInstanceOf(NotOwnedException.class).hasMessageContaining("repository folder");
    }

    @Test
    void aMarkerThatIsALinkOrUnreadableDoesNotMakeAFolderOurs() throws IOException {
        OwnedFolder real = OwnedFolder.create(dir.resolve("ours"), "repository", id);
        Path other = Files.createDirectory(dir.resolve("other"));
        Files.createSymbolicLink(other.resolve(OwnedFolder.MARKER), real.path().resolve(OwnedFolder.MARKER));
        Path garbage = Files.createDirectory(dir.resolve("garbage"));
        Files.writeString(garbage.resolve(OwnedFolder.MARKER), "not json");

        assertThatThrownBy(() -> OwnedFolder.open(other, "repository", id)).isInstanceOf(NotOwnedException.class);
        assertThatThrownBy(() -> OwnedFolder.open(garbage, "repository", id)).isInstanceOf(NotOwnedException.class);
        assertThatThrownBy(() -> OwnedFolder.open(dir.resolve("missing"), "repository", id))
                .isInstanceOf(NotOwnedException.class).hasMessageContaining("does not exist");
    }

    @Test
    void onlyGeneratedNamesAreDeleted() throws IOException {
        OwnedFolder folder = OwnedFolder.create(dir.resolve("repo"), "repository", id);
        Path photos = Files.createDirectories(folder.path().resolve("family-photos"));
        Files.writeString(photos.resolve("1.jpg"), "jpg");
        String vm = UUID.randomUUID().toString();
        String point = UUID.randomUUID().toString();
        Files.createDirectories(folder.path().resolve(vm + "/" + point + ".partial/files"));

        for (String refused : new String[] {"family-photos", vm + "/../family-photos", vm + "/" + point.toUpperCase(),
                "", vm + "/", "/" + vm, OwnedFolder.MARKER, vm + "/" + point + ".partial.old"}) {
            assertThatThrownBy(() -> folder.deleteGenerated(refused)).as(refused).isInstanceOf(NotOwnedException.class);
        }
        folder.deleteGenerated(vm + "/" + point + ".partial");

        assertThat(photos.resolve("1.jpg")).exists();
        assertThat(folder.path().resolve(vm + "/" + point + ".partial")).doesNotExist();
        assertThat(folder.deleteGeneratedIfEmpty(vm)).isTrue();
        assertThat(folder.path().resolve(vm)).doesNotExist();
        folder.deleteGenerated(vm + "/" + point);
    }

    @Test
    void linksInsideADeletedTreeAreRemovedAsLinksTheirTargetsUntouched() throws IOException {
        OwnedFolder folder = OwnedFolder.create(dir.resolve("repo"), "repository", id);
        Path outside = Files.createDirectories(dir.resolve("outside/deep"));
        Files.writeString(outside.resolve("keep.txt"), "keep");
        String point = UUID.randomUUID().toString();
        Path tree = Files.createDirectories(folder.path().resolve(point + "/files/sub"));
        Files.createSymbolicLink(tree.resolve("to-dir"), dir.resolve("outside"));
        Files.createSymbolicLink(tree.resolve("to-file"), outside.resolve("keep.txt"));
        Files.writeString(tree.resolve("own.bin"), "ours");
        Path readOnly = Files.createDirectory(tree.resolve("read-only"));
        Files.writeString(readOnly.resolve("inside"), "x");
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-x------"));

        folder.deleteGenerated(point);

        assertThat(folder.path().resolve(point)).doesNotExist();
        assertThat(outside.resolve("keep.txt")).hasContent("keep");
        assertThat(folder.path().resolve(OwnedFolder.MARKER)).exists();
    }

    @Test
    void aGeneratedNameThatIsALinkIsRemovedAsALinkAndNeverWalkedThrough() throws IOException {
        OwnedFolder folder = OwnedFolder.create(dir.resolve("repo"), "repository", id);
        Path victim = Files.createDirectories(dir.resolve("victim"));
        String vm = UUID.randomUUID().toString();
        String point = UUID.randomUUID().toString();
        Files.createDirectories(victim.resolve(point));
        Files.writeString(victim.resolve(point + "/data"), "precious");
        Files.createSymbolicLink(folder.path().resolve(vm), victim);

        assertThatThrownBy(() -> folder.deleteGenerated(vm + "/" + point)).isInstanceOf(IOException.class);
        assertThat(victim.resolve(point + "/data")).hasContent("precious");
        assertThat(folder.deleteGeneratedIfEmpty(vm)).isFalse();

        Path pointLink = folder.path().resolve(UUID.randomUUID().toString());
        Files.createSymbolicLink(pointLink, victim);
        folder.deleteGenerated(pointLink.getFileName().toString());

        assertThat(pointLink).doesNotExist();
        assertThat(Files.exists(pointLink, LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(victim.resolve(point + "/data")).hasContent("precious");
    }

    @Test
    void anOwnedFolderDeletesItselfWithoutFollowingLinks() throws IOException {
        OwnedFolder folder = OwnedFolder.create(dir.resolve("view"), "snapshot", id);
        Path outside = Files.writeString(dir.resolve("outside.txt"), "keep");
        Files.createSymbolicLink(folder.path().resolve("link"), outside);

        folder.delete();

        assertThat(dir.resolve("view")).doesNotExist();
        assertThat(outside).hasContent("keep");
    }

    @Test
    void releasingRemovesTheMarkerAndTheFolderOnlyWhenNothingElseIsLeft() throws IOException {
        OwnedFolder empty = OwnedFolder.create(dir.resolve("empty"), "repository", id);
        OwnedFolder shared = OwnedFolder.create(dir.resolve("shared"), "repository", id);
        Files.writeString(shared.path().resolve("notes.txt"), "someone's");

        assertThat(empty.release()).isTrue();
        assertThat(shared.release()).isFalse();

        assertThat(dir.resolve("empty")).doesNotExist();
        assertThat(shared.path().resolve("notes.txt")).hasContent("someone's");
        assertThat(OwnedFolder.read(shared.path())).isEmpty();
    }

    @Test
    void adoptingMarksOnlyAFolderWhoseContentsPassAndNeverOneMarkedForAnother() throws IOException {
        Path old = Files.createDirectories(dir.resolve("old/" + UUID.randomUUID()));
        Path other = OwnedFolder.create(dir.resolve("other"), "repository", UUID.randomUUID()).path();

        assertThatThrownBy(() -> OwnedFolder.adopt(old.getParent(), "repository", id, real -> Optional.of("x")))
                .isInstanceOf(NotOwnedException.class);
        assertThat(OwnedFolder.read(old.getParent())).isEmpty();
        assertThat(OwnedFolder.adopt(old.getParent(), "repository", id, real -> Optional.empty()).ownership().id())
                .isEqualTo(id);
        assertThatThrownBy(() -> OwnedFolder.adopt(other, "repository", id, real -> Optional.empty()))
                .isInstanceOf(NotOwnedException.class).hasMessageContaining("not as the repository folder of " + id);
        assertThatThrownBy(() -> OwnedFolder.adopt(dir.resolve("missing"), "repository", id, real -> Optional.empty()))
                .isInstanceOf(NotOwnedException.class).hasMessageContaining("does not exist");
        assertThat(dir.resolve("missing")).doesNotExist();
    }

    @Test
    void aSurveyTellsOurFoldersFromEverythingElseWithoutFollowingLinks() throws IOException {
        Path container = Files.createDirectories(dir.resolve("mounts"));
        OwnedFolder ours = OwnedFolder.createNamedById(container, "hyperv-snapshot", id);
        Files.createDirectories(container.resolve("family-photos"));
        String unmarked = UUID.randomUUID().toString();
        Files.createDirectories(container.resolve(unmarked));
        UUID elsewhere = UUID.randomUUID();
        OwnedFolder victim = OwnedFolder.createNamedById(Files.createDirectories(dir.resolve("elsewhere")),
                "hyperv-snapshot", elsewhere);
        Files.createSymbolicLink(container.resolve(elsewhere.toString()), victim.path());
        UUID other = UUID.randomUUID();
        OwnedFolder.create(container.resolve(other.toString()), "qemu-snapshot", other);
        String misnamed = UUID.randomUUID().toString();
        OwnedFolder.create(container.resolve(misnamed), "hyperv-snapshot", UUID.randomUUID());
        Files.writeString(container.resolve(UUID.randomUUID().toString()), "a file");

        List<OwnedFolder.Entry> found = OwnedFolder.survey(container, "hyperv-snapshot");

        assertThat(found).hasSize(7);
        assertThat(found).filteredOn(e -> e.owned().isPresent()).singleElement()
                .satisfies(e -> assertThat(e.owned().get().path()).isEqualTo(ours.path()));
        assertThat(found).filteredOn(OwnedFolder.Entry::unmarked).extracting(OwnedFolder.Entry::name)
                .containsExactly(unmarked);
        assertThat(found).filteredOn(e -> e.name().equals(elsewhere.toString())).singleElement()
                .satisfies(e -> assertThat(e.why()).contains("link"));
        assertThat(found).filteredOn(e -> e.name().equals("family-photos")).singleElement()
                .satisfies(e -> assertThat(e.why()).contains("not a name Stillpoint generates"));
        assertThat(found).filteredOn(e -> e.name().equals(misnamed) || e.name().equals(other.toString()))
                .allSatisfy(e -> assertThat(e.why()).contains("is marked as"));
    }

    @Test
    void anEntryIsOpenedToBeDeletedOnlyWhenItIsItselfAMarkedFolder() throws IOException {
        Path parent = Files.createDirectories(dir.resolve("root"));
        OwnedFolder victim = OwnedFolder.create(dir.resolve("victim"), "staging", id);
        Files.writeString(victim.path().resolve("keep.txt"), "keep");
        Files.createSymbolicLink(parent.resolve(".creating-x"), victim.path());

        assertThatThrownBy(() -> OwnedFolder.openEntry(parent, ".creating-x", "staging", id))
                .isInstanceOf(NotOwnedException.class).hasMessageContaining("link");
        assertThat(victim.path().resolve("keep.txt")).hasContent("keep");

        OwnedFolder.create(parent.resolve(".creating-y"), "staging", id);
        OwnedFolder.openEntry(parent, ".creating-y", "staging", id).delete();
        assertThat(parent.resolve(".creating-y")).doesNotExist();
    }

    /**
     * Windows has no {@code openat}, so {@link NoFollowDelete} walks there; a junction or mount point (an
     * exposed shadow copy) reads as a directory that is also "other" and is removed as an entry. What the
     * walk does with links can be tried here: it is called directly, as on a platform without it.
     */
    @Test
    void theWalkWithoutOpenatRemovesLinksAsEntriesAndNeverWalksThroughOne() throws IOException {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path victim = Files.createDirectories(dir.resolve("victim/deep"));
        Files.writeString(victim.resolve("keep.txt"), "keep");
        String point = UUID.randomUUID().toString();
        Path tree = Files.createDirectories(root.resolve(point).resolve("A/sub"));
        Files.createSymbolicLink(tree.resolve("to-dir"), dir.resolve("victim"));
        Files.createSymbolicLink(tree.resolve("to-file"), victim.resolve("keep.txt"));
        Files.writeString(tree.resolve("own.bin"), "ours");

        assertThat(NoFollowDelete.walkBelow(root, List.of(point), false)).isTrue();
        assertThat(root.resolve(point)).doesNotExist();
        assertThat(victim.resolve("keep.txt")).hasContent("keep");

        String linked = UUID.randomUUID().toString();
        Files.createSymbolicLink(root.resolve(linked), dir.resolve("victim"));
        assertThatThrownBy(() -> NoFollowDelete.walkBelow(root, List.of(linked, "deep"), false))
                .isInstanceOf(NotOwnedException.class);
        assertThat(NoFollowDelete.walkBelow(root, List.of(linked), true)).isFalse();
        assertThat(NoFollowDelete.walkBelow(root, List.of(linked), false)).isTrue();
        assertThat(Files.exists(root.resolve(linked), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(victim.resolve("keep.txt")).hasContent("keep");
    }

    @Test
    void generatedNamesAreUuidsWithAKnownSuffix() {
        String uuid = UUID.randomUUID().toString();
        assertThat(GeneratedNames.isGenerated(uuid)).isTrue();
        assertThat(GeneratedNames.isGenerated(uuid + GeneratedNames.PARTIAL)).isTrue();
        assertThat(GeneratedNames.isGenerated(uuid + ".tmp")).isFalse();
        assertThat(GeneratedNames.isGenerated("thesis")).isFalse();
        assertThat(GeneratedNames.isGenerated(uuid.replace("-", ""))).isFalse();
        assertThat(GeneratedNames.isGenerated("..")).isFalse();
    }
}
