package io.stillpoint.host.libvirt;

import static io.stillpoint.testing.FileDigests.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestState;
import io.stillpoint.host.InstantGuests;
import io.stillpoint.host.InvalidGuestSpecException;
import io.stillpoint.testing.LibvirtLab;
import io.stillpoint.testing.LinuxGuestImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Instant recovery on the machine's libvirtd with the tests' real Linux guest: a restore point laid out as
 * the libvirt writer lays one out ({@code domain.xml}, {@code vda/disk0.qcow2}), owned by root with mode
 * 0644 as a repository keeps it, and domains started from it. The guest that must answer is booted once for
 * the class; the others need only QEMU to run, not their guest to be up.
 */
class LibvirtInstantGuestsTest {

    /** Generous: boots under TCG take 10-60 s on a loaded machine. */
    private static final Duration BOOT = Duration.ofSeconds(180);
    private static final Duration MOVE = Duration.ofSeconds(180);

    private static LibvirtLab lab;
    private static LibvirtHypervisor host;
    private static Path imageDir;
    private static Path point;
    private static Path pointDisk;
    private static String pointDigest;
    private static String pointOwnerAndMode;
    private static final List<String> started = new CopyOnWriteArrayList<>();
    private static GuestInfo booted;
    private static UUID bootedRecovery;
    private static long bootMillis;

    @BeforeAll
    static void startFromAPoint() throws IOException {
        lab = new LibvirtLab();
        LibvirtLab.Domain original = lab.defineLinux("original", LinuxGuestImage.bootDisk(), 256);
        point = Files.createDirectories(lab.root().resolve("repository/vm/point/files"));
        Files.writeString(point.resolve(LibvirtHypervisor.DOMAIN_XML),
                LibvirtLab.virsh("dumpxml", "--inactive", original.uuid()), StandardCharsets.UTF_8);
        pointDisk = Files.copy(original.disks().get(0), Files.createDirectories(point.resolve("vda"))
                .resolve(original.disks().get(0).getFileName()));
        Files.setPosixFilePermissions(pointDisk, PosixFilePermissions.fromString("rw-r--r--"));
        pointDigest = sha256(pointDisk);
        pointOwnerAndMode = ownerAndMode(pointDisk);
        imageDir = Files.createDirectories(lab.root().resolve("images"));
        host = new LibvirtHypervisor("lv-instant", LibvirtLab.URI, lab.root().resolve("host"), imageDir,
                LibvirtDeadlines.defaults());
        host.connect();

        bootedRecovery = UUID.randomUUID();
        long began = System.nanoTime();
        booted = start("booted", bootedRecovery);
        awaitAgent(booted);
        bootMillis = (System.nanoTime() - began) / 1_000_000;
        System.out.println("libvirt instant recovery: start to guest agent answering " + bootMillis + " ms");
    }

    @AfterAll
    static void removeEverything() throws IOException {
        for (String uuid : started) {
            try {
                host.blocks().destroyAndUndefine(uuid);
            } catch (RuntimeException gone) {
                // discarded by its test
            }
        }
        if (host != null) {
            host.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    private static GuestInfo start(String name, UUID recoveryId) {
        return start(point, name, recoveryId);
    }

    private static GuestInfo start(Path pointFiles, String name, UUID recoveryId) {
        GuestInfo guest = host.startFromPoint(pointFiles, lab.named(name), recoveryId);
        started.add(guest.ref());
        return guest;
    }

    private static void awaitAgent(GuestInfo guest) {
        await().atMost(BOOT).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> LibvirtLab.virsh("qemu-agent-command", guest.ref(), "{\"execute\":\"guest-ping\"}")
                        .contains("return"));
    }

    @Test
    void runsFromOverlaysOnThePointThenMovesToHostStorageWhileRunning() throws IOException {
        Path folder = imageDir.resolve(booted.name());
        Path overlay = folder.resolve("vda.instant.qcow2");
        String live = LibvirtLab.virsh("dumpxml", booted.ref());
        assertThat(host.guest(booted.ref()).state()).isEqualTo(GuestState.RUNNING);
        assertThat(live).contains("file='" + overlay + "'").contains("file='" + pointDisk + "'")
                .contains("relabel='no'");
        assertThat(OwnedFolder.read(folder)).get().extracting(OwnedFolder.Ownership::id).isEqualTo(bootedRecovery);

        long overlayBefore = Files.size(overlay);
        LibvirtLab.write(new LibvirtLab.Domain(booted.name(), booted.ref(), folder, List.of(overlay)), "vda", 0x5a,
                64L << 20, 4L << 20);
        // QEMU keeps the overlay's cluster tables in memory until a flush; another reader sees them after it.
        LibvirtLab.virsh("qemu-monitor-command", booted.ref(), "--hmp",
                "qemu-io -d /machine/peripheral/virtio-disk0/virtio-backend \"flush\"");
        assertThat(Files.size(overlay)).as("the write went to the overlay").isGreaterThan(overlayBefore);
        assertThat(LibvirtLab.exec(List.of("qemu-io", "-r", "-U", "-f", "qcow2", "-c", "read -P 0x5a 64M 4M",
                overlay.toString()))).doesNotContain("Pattern verification failed");
        assertThat(sha256(pointDisk)).as("the restore point's disk is byte-identical").isEqualTo(pointDigest);
        assertThat(ownerAndMode(pointDisk)).as("libvirt did not chown or chmod the point's disk")
                .isEqualTo(pointOwnerAndMode);

        List<InstantGuests.MoveProgress> progress = new CopyOnWriteArrayList<>();
        host.moveDisks(booted.ref(), bootedRecovery, host.defaultMoveTarget(booted.ref()), 0, progress::add);

        Path moved = folder.resolve("vda.qcow2");
        assertThat(progress).last().extracting(InstantGuests.MoveProgress::ready).isEqualTo(true);
        assertThat(LibvirtLab.virsh("dumpxml", booted.ref())).contains("file='" + moved + "'")
                .doesNotContain(point.toString()).doesNotContain(overlay.toString());
        assertThat(LibvirtLab.virsh("dumpxml", "--inactive", booted.ref())).contains("file='" + moved + "'")
                .doesNotContain(point.toString());
        assertThat(LibvirtLab.exec(List.of("qemu-img", "check", "-U", moved.toString()))).contains("No errors");
        assertThat(LibvirtLab.exec(List.of("qemu-io", "-r", "-U", "-f", "qcow2", "-c", "read -P 0x5a 64M 4M",
                moved.toString()))).doesNotContain("Pattern verification failed");
        assertThat(overlay).doesNotExist();
        assertThat(OwnedFolder.read(folder)).as("the domain is an ordinary one now").isEmpty();
        assertThat(sha256(pointDisk)).isEqualTo(pointDigest);
        assertThat(ownerAndMode(pointDisk)).isEqualTo(pointOwnerAndMode);
        assertThat(LibvirtLab.virsh("qemu-agent-command", booted.ref(), "{\"execute\":\"guest-ping\"}"))
                .contains("return");
    }

    @Test
    void aMoveACrashCutShortIsUndoneBeforeThePivotAndFinishedAfterIt() throws IOException {
        UUID recovery = UUID.randomUUID();
        GuestInfo guest = start("crash", recovery);
        Path folder = imageDir.resolve(guest.name());
        Path overlay = folder.resolve("vda.instant.qcow2");
        Path copy = folder.resolve("vda.qcow2");

        // The server died while a copy ran (a slow one, so it has not caught up): a new server undoes it.
        host.blocks().copyDisk(guest.ref(), "vda", copy, 64 << 10);
        assertThat(copy).exists();
        try (LibvirtHypervisor restarted = reopened()) {
            assertThat(restarted.resumeMove(guest.ref(), recovery, folder)).isEqualTo(InstantGuests.MoveOutcome.UNDONE);
        }
        assertThat(host.blocks().blockJob(guest.ref(), "vda")).isEmpty();
        assertThat(copy).doesNotExist();
        assertThat(host.blocks().disks(guest.ref())).extracting(LibvirtBlocks.Disk::file).containsExactly(overlay);
        assertThat(host.guest(guest.ref()).state()).isEqualTo(GuestState.RUNNING);

        // The server died right after the pivot: a new server finishes the move.
        host.blocks().copyDisk(guest.ref(), "vda", copy, 0);
        await().atMost(MOVE).pollInterval(Duration.ofMillis(200))
                .until(() -> host.blocks().pivot(guest.ref(), "vda"));
        try (LibvirtHypervisor restarted = reopened()) {
            assertThat(restarted.resumeMove(guest.ref(), recovery, folder)).isEqualTo(InstantGuests.MoveOutcome.FINISHED);
        }
        assertThat(LibvirtLab.virsh("dumpxml", "--inactive", guest.ref())).contains("file='" + copy + "'")
                .doesNotContain(point.toString());
        assertThat(overlay).doesNotExist();
        assertThat(OwnedFolder.read(folder)).isEmpty();
        assertThat(LibvirtLab.exec(List.of("qemu-img", "check", "-U", copy.toString()))).contains("No errors");
        assertThat(host.guest(guest.ref()).state()).isEqualTo(GuestState.RUNNING);
    }

    @Test
    void discardLeavesNoDomainAndDeletesOnlyItsOverlaysNeverFollowingALink() throws IOException {
        UUID recovery = UUID.randomUUID();
        GuestInfo guest = start("discard", recovery);
        Path folder = imageDir.resolve(guest.name());
        Path outside = Files.writeString(lab.root().resolve("not-stillpoints.instant.qcow2"), "keep me");
        Files.createSymbolicLink(folder.resolve("planted.instant.qcow2"), outside);

        host.discard(guest.ref(), recovery);

        assertThat(host.guests()).extracting(GuestInfo::ref).doesNotContain(guest.ref());
        assertThat(folder.resolve("vda.instant.qcow2")).doesNotExist();
        assertThat(outside).hasContent("keep me");
        assertThat(Files.isSymbolicLink(folder.resolve("planted.instant.qcow2"))).as("not its to delete").isTrue();
        Files.delete(folder.resolve("planted.instant.qcow2"));

        GuestInfo clean = start("discard-clean", recovery);
        host.discard(clean.name(), recovery);
        assertThat(host.guests()).extracting(GuestInfo::ref).doesNotContain(clean.ref());
        assertThat(imageDir.resolve(clean.name())).doesNotExist();
        assertThat(sha256(pointDisk)).isEqualTo(pointDigest);
        assertThat(ownerAndMode(pointDisk)).isEqualTo(pointOwnerAndMode);
    }

    /** A private repository (0700) holding root's 0600 disk: refused, until the README's ACL lets libvirt's QEMU read. */
    @Test
    void aPointItsQemuCannotReadIsRefusedNamingTheFixAndLeavesNothing() throws IOException {
        Path repository = Files.createDirectories(lab.root().resolve("private-repository"));
        Files.setPosixFilePermissions(repository, PosixFilePermissions.fromString("rwx------"));
        Path files = Files.createDirectories(repository.resolve("repo1/vm/point/files"));
        Files.copy(point.resolve(LibvirtHypervisor.DOMAIN_XML), files.resolve(LibvirtHypervisor.DOMAIN_XML));
        Path disk = Files.copy(pointDisk, Files.createDirectories(files.resolve("vda")).resolve(pointDisk.getFileName()));
        Files.setPosixFilePermissions(disk, PosixFilePermissions.fromString("rw-------"));
        String name = lab.named("unreadable");

        assertThatThrownBy(() -> host.startFromPoint(files, name, UUID.randomUUID()))
                .isInstanceOf(InvalidGuestSpecException.class).hasMessageContaining("libvirt-qemu")
                .hasMessageContaining("setfacl");
        assertThat(host.guests()).extracting(GuestInfo::name).doesNotContain(name);
        assertThat(imageDir.resolve(name)).doesNotExist();
        assertThat(ownerAndMode(disk)).isEqualTo("root:root rw-------");

        LibvirtLab.exec(List.of("setfacl", "-m", "u:libvirt-qemu:x", repository.toString()));
        LibvirtLab.exec(List.of("setfacl", "-R", "-m", "u:libvirt-qemu:rX", repository.resolve("repo1").toString()));
        UUID recovery = UUID.randomUUID();
        GuestInfo guest = start(files, "readable", recovery);
        assertThat(host.guest(guest.ref()).state()).isEqualTo(GuestState.RUNNING);
        host.discard(guest.ref(), recovery);
    }

    private static LibvirtHypervisor reopened() {
        LibvirtHypervisor fresh = new LibvirtHypervisor("lv-instant", LibvirtLab.URI, lab.root().resolve("host"),
                imageDir, LibvirtDeadlines.defaults());
        fresh.connect();
        return fresh;
    }

    private static String ownerAndMode(Path file) throws IOException {
        PosixFileAttributes attributes = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        return attributes.owner().getName() + ":" + attributes.group().getName() + " "
                + PosixFilePermissions.toString(attributes.permissions());
    }
}
