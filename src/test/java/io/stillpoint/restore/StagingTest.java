package io.stillpoint.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stillpoint.fs.NotOwnedException;
import io.stillpoint.fs.OwnedFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restore's steps beside its target, with real folders and links planted between the steps: it deletes
 * only the staging folder it marked and the very folder it set aside, and never a target that was there.
 */
class StagingTest {

    @TempDir
    Path dir;

    final UUID restoreId = UUID.randomUUID();

    @Test
    void theStagingFolderIsCreatedMarkedWithTheRestoresIdAndDiscardedOnlyWithThatMark() throws IOException {
        Path target = dir.resolve("vms/db01");
        try (Staging staging = Staging.beside(target, restoreId)) {
            Path folder = staging.createStagingFolder();
            assertThat(folder.getFileName().toString()).isEqualTo(".db01.restore-" + restoreId);
            assertThat(OwnedFolder.read(folder)).hasValueSatisfying(o -> {
                assertThat(o.purpose()).isEqualTo(Staging.PURPOSE);
                assertThat(o.id()).isEqualTo(restoreId);
            });
            Files.writeString(folder.resolve("disk.img"), "restored");

            staging.discard();
            assertThat(folder).doesNotExist();
        }

        UUID other = UUID.randomUUID();
        Path othersStaging = Files.createDirectories(dir.resolve("vms/.db01.restore-" + restoreId));
        OwnedFolder.create(othersStaging, Staging.PURPOSE, other);
        Files.writeString(othersStaging.resolve("theirs"), "kept");
        try (Staging staging = Staging.beside(target, restoreId)) {
            assertThatThrownBy(staging::discard).isInstanceOf(NotOwnedException.class);
        }
        assertThat(othersStaging.resolve("theirs")).hasContent("kept");
    }

    @Test
    void aStagingFolderSwappedForALinkIsNotFollowedWhenDiscarded() throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("precious"), "data");
        try (Staging staging = Staging.beside(dir.resolve("restores/copy"), restoreId)) {
            Path folder = staging.createStagingFolder();
            Files.copy(folder.resolve(OwnedFolder.MARKER), outside.resolve(OwnedFolder.MARKER));
            staging.discard();
            Files.createSymbolicLink(folder, outside);

            assertThatThrownBy(staging::discard).isInstanceOf(NotOwnedException.class);
        }
        assertThat(outside.resolve("precious")).hasContent("data");
    }

    @Test
    void aTargetThatExistedBeforeIsNeverDeletedWhenTheRestoreFails() throws IOException {
        Path target = Files.createDirectories(dir.resolve("restores/copy"));
        Files.writeString(target.resolve("mine.txt"), "mine");
        try (Staging staging = Staging.beside(target, restoreId)) {
            staging.createStagingFolder();
            assertThatThrownBy(() -> staging.placeAsTarget(true)).hasMessageContaining("appeared");
            assertThatThrownBy(staging::discardPlacedTarget).isInstanceOf(NotOwnedException.class);
            staging.discard();
        }
        assertThat(target.resolve("mine.txt")).hasContent("mine");
        try (Stream<Path> siblings = Files.list(target.getParent())) {
            assertThat(siblings).containsExactly(target);
        }
    }

    @Test
    void aPlacedTargetIsDeletedOnlyWhileItCarriesTheMark() throws IOException {
        Path target = dir.resolve("vms/clone");
        try (Staging staging = Staging.beside(target, restoreId)) {
            Files.writeString(staging.createStagingFolder().resolve("disk.img"), "restored");
            staging.placeAsTarget(false);
            assertThat(target.resolve("disk.img")).hasContent("restored");

            staging.discardPlacedTarget();
            assertThat(target).doesNotExist();
        }
        try (Staging staging = Staging.beside(target, restoreId)) {
            staging.createStagingFolder();
            staging.placeAsTarget(false);
            staging.unmarkTarget();
            assertThat(target.resolve(OwnedFolder.MARKER)).doesNotExist();
            assertThatThrownBy(staging::discardPlacedTarget).isInstanceOf(NotOwnedException.class);
            assertThat(target).isDirectory();
        }
    }

    @Test
    void anInPlaceSwapDeletesTheFolderSetAsideOnlyIfItIsTheOneItMoved() throws IOException {
        Path guest = Files.createDirectories(dir.resolve("vms/db01"));
        Files.writeString(guest.resolve("old.img"), "old");
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("precious"), "data");
        try (Staging staging = Staging.beside(guest, restoreId)) {
            Files.writeString(staging.createStagingFolder().resolve("new.img"), "new");
            staging.swapIn();
            staging.unmarkTarget();
            assertThat(guest.resolve("new.img")).hasContent("new");
            assertThat(guest.resolve(OwnedFolder.MARKER)).doesNotExist();
            assertThat(staging.aside().resolve("old.img")).hasContent("old");

            Path aside = staging.aside();
            Files.move(aside, dir.resolve("moved-by-someone"));
            Files.createSymbolicLink(aside, outside);
            assertThatThrownBy(staging::deleteAside).isInstanceOf(NotOwnedException.class);
            assertThat(outside.resolve("precious")).hasContent("data");

            Files.delete(aside);
            Files.createDirectory(aside);
            assertThatThrownBy(staging::deleteAside).isInstanceOf(NotOwnedException.class);
            assertThat(aside).isDirectory();

            Files.delete(aside);
            Files.move(dir.resolve("moved-by-someone"), aside);
            staging.deleteAside();
            assertThat(aside).doesNotExist();
        }
    }

    @Test
    void anInPlaceSwapKeepsTheFoldersOwnOwnerModeAndAcl() throws Exception {
        Path guest = Files.createDirectories(dir.resolve("vms/db01"));
        UserPrincipal nobody = guest.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.setOwner(guest, nobody);
        Files.setPosixFilePermissions(guest, PosixFilePermissions.fromString("rwxr-x---"));
        run("setfacl", "-m", "u:daemon:rwx", "-m", "d:u:nobody:rwx", guest.toString());
        String acl = run("getfacl", "-c", "-p", guest.toString());

        try (Staging staging = Staging.beside(guest, restoreId)) {
            staging.createStagingFolder();
            assertThat(staging.swapIn()).isEmpty();
            staging.unmarkTarget();
        }
        assertThat(Files.getOwner(guest, LinkOption.NOFOLLOW_LINKS).getName()).isEqualTo("nobody");
        assertThat(run("getfacl", "-c", "-p", guest.toString())).isEqualTo(acl).contains("user:daemon:rwx")
                .contains("default:user:nobody:rwx");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(guest))).startsWith("rwxr");
    }

    @Test
    void rollingBackPutsTheSetAsideFolderBackAndRemovesOnlyItsOwnStaging() throws IOException {
        Path guest = Files.createDirectories(dir.resolve("vms/db01"));
        Files.writeString(guest.resolve("old.img"), "old");
        try (Staging staging = Staging.beside(guest, restoreId)) {
            staging.createStagingFolder();
            Files.move(guest, staging.aside());
        }
        try (Staging staging = Staging.beside(guest, restoreId)) {
            assertThat(staging.rollBack(Instant.now())).contains("staging folder was removed").contains("put back");
        }
        assertThat(guest.resolve("old.img")).hasContent("old");
        try (Stream<Path> siblings = Files.list(guest.getParent())) {
            assertThat(siblings).containsExactly(guest);
        }

        Path unmarked = Files.createDirectories(dir.resolve("vms/.db01.restore-" + restoreId));
        try (Staging staging = Staging.beside(guest, restoreId)) {
            assertThat(staging.rollBack(Instant.now())).contains("staging folder was removed");
        }
        assertThat(unmarked).doesNotExist();

        Path foreign = Files.createDirectories(dir.resolve("vms/.db01.restore-" + restoreId));
        Files.writeString(foreign.resolve("unmarked"), "kept");
        try (Staging staging = Staging.beside(guest, restoreId)) {
            assertThat(staging.rollBack(Instant.now())).contains("carries no Stillpoint marker");
        }
        assertThat(foreign.resolve("unmarked")).hasContent("kept");
    }

    @Test
    void rollingBackAfterTheSwapKeepsTheReplacedFolderInsteadOfDeletingIt() throws IOException {
        Path guest = Files.createDirectories(dir.resolve("vms/db01"));
        Files.writeString(guest.resolve("old.img"), "old");
        try (Staging staging = Staging.beside(guest, restoreId)) {
            Files.writeString(staging.createStagingFolder().resolve("new.img"), "new");
            staging.swapIn();
        }
        try (Staging staging = Staging.beside(guest, restoreId)) {
            assertThat(staging.rollBack(Instant.parse("2026-12-01T10:00:00Z")))
                    .contains("kept as").contains("restored files are in place");
        }
        assertThat(guest.resolve("new.img")).hasContent("new");
        assertThat(guest.resolve(OwnedFolder.MARKER)).doesNotExist();
        assertThat(dir.resolve("vms/db01.before-restore-20261201T100000Z/old.img")).hasContent("old");
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).as(output).isZero();
        return output;
    }
}
