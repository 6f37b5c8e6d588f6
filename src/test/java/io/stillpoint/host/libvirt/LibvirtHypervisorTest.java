package io.stillpoint.host.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.host.GuestHold;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestNotFoundException;
import io.stillpoint.host.GuestState;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.HostException;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.HypervisorContract;
import io.stillpoint.testing.LibvirtLab;
import io.stillpoint.testing.QemuLab;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The libvirt host against the machine's libvirtd, with domains of its own booted once for the class. */
class LibvirtHypervisorTest extends HypervisorContract {

    static final String NETWORK_DISK = "<disk type='network' device='disk'><driver name='qemu' type='raw'/>"
            + "<source protocol='nbd' name='export'><host name='127.0.0.1' port='10809'/></source>"
            + "<target dev='vdb' bus='virtio'/></disk>";
    static final String BLOCK_DISK = "<disk type='block' device='disk'><driver name='qemu' type='raw'/>"
            + "<source dev='/dev/stillpoint-no-such-device'/><target dev='vdc' bus='virtio'/></disk>";
    static final String CDROM = "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>"
            + "<target dev='sda' bus='sata'/><readonly/></disk>";

    @TempDir
    static Path root;

    private static LibvirtLab lab;
    private static LibvirtLab.Domain db;
    private static LibvirtLab.Domain legacy;
    private static LibvirtHypervisor host;

    @BeforeAll
    static void bootDomains() throws IOException {
        lab = new LibvirtLab();
        db = lab.define("db01", true, 64, 64, CDROM);
        legacy = lab.define("legacy01", false, 32, 16, "");
        lab.start(db);
        lab.start(legacy);
        host = open();
    }

    @AfterAll
    static void removeDomains() throws IOException {
        if (host != null) {
            host.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    private static LibvirtHypervisor open() {
        return (LibvirtHypervisor) new LibvirtHypervisorFactory(root).create("kvm-lv", Map.of("uri", LibvirtLab.URI,
                "root", root.resolve("host").toString(), "shutdownTimeoutMillis", "300"));
    }

    @BeforeEach
    void bothRunning() {
        host.start(db.uuid());
        host.start(legacy.uuid());
    }

    @Override
    protected Hypervisor hypervisor() {
        return host;
    }

    @Override
    protected String quiescingGuest() {
        return db.uuid();
    }

    @Override
    protected String nonQuiescingGuest() {
        return legacy.uuid();
    }

    @Override
    protected boolean quiescingGuestAnswers() {
        return false;
    }

    @Test
    void describesADomainFromItsDefinition() {
        GuestInfo guest = host.guest(db.uuid());
        assertThat(guest.name()).isEqualTo(db.name());
        assertThat(guest.memoryBytes()).isEqualTo(64L << 20);
        assertThat(guest.disks()).as("the cdrom is no disk to back up").containsExactly(db.disks().get(0));
        assertThat(guest.directory()).isEqualTo(db.directory());
        assertThat(guest.backupBlockedReason()).isNull();
        assertThat(host.guest(db.uuid().toUpperCase()).ref()).isEqualTo(db.uuid());
    }

    @Test
    void freezeWithoutAConnectedAgentFailsSayingSoAndLeavesNothingHeld() {
        assertThatThrownBy(() -> host.hold(db.uuid(), HoldMode.FREEZE)).isInstanceOf(HostException.class)
                .hasMessageContaining(db.name()).hasMessageContaining("no agent is connected");
        assertThat(host.guest(db.uuid()).state()).isEqualTo(GuestState.RUNNING);
        assertThat(root.resolve("host").resolve("frozen").resolve(db.uuid())).doesNotExist();
    }

    /**
     * A server that died once every restored disk was in place, before the point's definition was applied:
     * recovery finishes the restore (putting disks back then could leave a mix), applies the definition and
     * keeps the replaced disk in sight.
     */
    @Test
    void aRestoreInterruptedAfterEveryDiskWasInPlaceIsFinishedNotPutBack() throws IOException {
        LibvirtLab.Domain domain = lab.define("inplace01", false, 64, 16, "");
        Path disk = domain.disks().get(0);
        Path staged = Files.createDirectories(lab.root().resolve(".restore-staged-" + domain.name()));
        Path restored = Files.createDirectories(staged.resolve("vda")).resolve(disk.getFileName().toString());
        LibvirtLab.exec(List.of("qemu-img", "create", "-q", "-f", "qcow2", restored.toString(), "16M"));
        LibvirtLab.exec(List.of("qemu-io", "-f", "qcow2", "-c", "write -P 0x5e 0 1M", restored.toString()));
        Files.writeString(staged.resolve(LibvirtHypervisor.DOMAIN_XML), LibvirtLab.virsh("dumpxml", "--inactive",
                domain.uuid()).replaceAll("<memory unit='KiB'>\\d+</memory>", "<memory unit='KiB'>49152</memory>")
                .replaceAll("<currentMemory unit='KiB'>\\d+</currentMemory>", "<currentMemory unit='KiB'>49152</currentMemory>"));
        UUID restoreId = UUID.randomUUID();
        new DiskSwap(staged, restoreId, Map.of("vda", disk)).swapIn();

        String outcome = host.rollBackInPlace(staged, restoreId);

        assertThat(outcome).contains("finished").contains(disk.getFileName() + ".before-restore-");
        assertThat(QemuLab.holds(disk, 0x5e, 0, 1 << 20)).as("the restored disk stays in place").isTrue();
        assertThat(host.guest(domain.uuid()).memoryBytes()).as("the point's definition").isEqualTo(48L << 20);
        try (Stream<Path> siblings = Files.list(disk.getParent())) {
            assertThat(siblings.map(p -> p.getFileName().toString()))
                    .anyMatch(n -> n.startsWith(disk.getFileName() + ".before-restore-"))
                    .noneMatch(n -> n.contains(restoreId.toString()));
        }
    }

    @Test
    void saveStateKeepsTheMemoryInAFolderStillpointMarksAndRemovesItOnClose() throws IOException {
        Path saved = root.resolve("host").resolve("saved-state").resolve(db.uuid());
        try (GuestHold hold = host.hold(db.uuid(), HoldMode.SAVE_STATE)) {
            assertThat(hold.priorState()).isEqualTo(GuestState.RUNNING);
            assertThat(saved).isRegularFile();
            assertThat(OwnedFolder.read(saved.getParent())).hasValueSatisfying(
                    o -> assertThat(o.purpose()).isEqualTo(LibvirtHypervisor.SAVED_STATE_PURPOSE));
            assertThat(lab.state(db)).isEqualTo("shut off");
        }
        assertThat(saved).doesNotExist();
        assertThat(lab.state(db)).isEqualTo("running");
    }

    @Test
    void holdsACrashLeftBehindAreUndoneByStartOnANewConnection() throws IOException {
        GuestHold paused = host.hold(legacy.uuid(), HoldMode.PAUSE);
        GuestHold saved = host.hold(db.uuid(), HoldMode.SAVE_STATE);
        LibvirtHypervisor after = open();
        try {
            assertThat(after.guest(legacy.uuid()).state()).isEqualTo(GuestState.PAUSED);
            assertThat(after.guest(db.uuid()).state()).isEqualTo(GuestState.SAVED);
            after.start(legacy.uuid());
            after.start(db.uuid());
            assertThat(lab.state(legacy)).isEqualTo("running");
            assertThat(lab.state(db)).isEqualTo("running");
            assertThat(root.resolve("host").resolve("saved-state").resolve(db.uuid())).doesNotExist();
        } finally {
            after.close();
        }
        paused.close();
        saved.close();
        assertThat(host.guest(db.uuid()).state()).isEqualTo(GuestState.RUNNING);
    }

    @Test
    void aSavedStateOfADomainSomeoneStartedColdIsDroppedNotRestoredLater() throws IOException {
        Path saved = root.resolve("host").resolve("saved-state").resolve(db.uuid());
        GuestHold hold = host.hold(db.uuid(), HoldMode.SAVE_STATE);
        lab.start(db);
        assertThat(host.guest(db.uuid()).state()).isEqualTo(GuestState.RUNNING);
        assertThat(saved).doesNotExist();
        hold.close();
        assertThat(lab.state(db)).isEqualTo("running");
    }

    @Test
    void aFreezeMarkerOfADomainThatIsGoneIsDroppedWhenTheHostConnects() throws IOException {
        Path marker = Files.createDirectories(root.resolve("host").resolve("frozen")).resolve(UUID.randomUUID().toString());
        Files.writeString(marker, "gone");
        open().close();
        assertThat(marker).doesNotExist();
    }

    @Test
    void domainsDefinedLaterAppearRenamesKeepTheirRefAndUndefinedOnesVanish() throws IOException {
        LibvirtLab.Domain late = lab.define("late", false, 32, 16, "");
        assertThat(host.guests()).filteredOn(g -> g.ref().equals(late.uuid())).singleElement()
                .satisfies(g -> assertThat(g.state()).isEqualTo(GuestState.OFF))
                .satisfies(g -> assertThat(g.name()).isEqualTo(late.name()));
        String renamed = lab.rename(late, "later");
        assertThat(host.guest(late.uuid()).name()).isEqualTo(renamed);
        lab.undefine(renamed);
        assertThat(host.guests()).extracting(GuestInfo::ref).doesNotContain(late.uuid());
        assertThatThrownBy(() -> host.guest(late.uuid())).isInstanceOf(GuestNotFoundException.class);
    }

    @Test
    void aDomainWithDisksStillpointCannotSnapshotSaysWhy() throws IOException {
        LibvirtLab.Domain odd = lab.define("odd", false, 32, 16, NETWORK_DISK + BLOCK_DISK);
        try {
            GuestInfo guest = host.guest(odd.uuid());
            assertThat(guest.backupBlockedReason()).contains("disk 'vdb'", "type='network'", "disk 'vdc'",
                    "/dev/stillpoint-no-such-device", "type='block'");
            assertThat(guest.disks()).containsExactly(odd.disks().get(0));
        } finally {
            lab.undefine(odd.name());
        }
    }

    @Test
    void aLostLibvirtdIsReportedAndTheHostWorksAgainOnceItIsBack() throws IOException {
        assertThat(host.guests()).extracting(GuestInfo::ref).contains(db.uuid());
        ProcessHandle libvirtd = libvirtd();
        libvirtd.destroy();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> !libvirtd.isAlive());
            assertThatThrownBy(host::guests).isInstanceOf(HostException.class).hasMessageContaining("kvm-lv")
                    .satisfies(e -> assertThat(((HostException) e).transientFailure()).isTrue());
            assertThatThrownBy(host::guests).isInstanceOf(HostException.class).hasMessageContaining(LibvirtLab.URI);
        } finally {
            LibvirtLab.exec(List.of("libvirtd", "-d"));
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptionsInstanceOf(
                HostException.class).until(() -> host.guest(db.uuid()).state() == GuestState.RUNNING);
    }

    @Test
    void aLibvirtdThatHangsFailsCallsAtTheirDeadlineInsteadOfHangingThem() throws IOException {
        LibvirtHypervisor impatient = (LibvirtHypervisor) new LibvirtHypervisorFactory(root).create("kvm-lv-hung",
                Map.of("uri", LibvirtLab.URI, "root", root.resolve("hung").toString(), "commandTimeoutMillis", "300"));
        String pid = Long.toString(libvirtd().pid());
        LibvirtLab.exec(List.of("kill", "-STOP", pid));
        try {
            long started = System.nanoTime();
            assertThatThrownBy(impatient::guests).isInstanceOf(HostException.class)
                    .hasMessageContaining("did not answer within 300 ms")
                    .satisfies(e -> assertThat(((HostException) e).transientFailure()).isTrue());
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        } finally {
            LibvirtLab.exec(List.of("kill", "-CONT", pid));
        }
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptionsInstanceOf(
                    HostException.class).until(() -> impatient.guest(db.uuid()).state() == GuestState.RUNNING);
        } finally {
            impatient.close();
        }
    }

    /** The machine's libvirtd, by the pid it wrote, checked to be libvirtd before it is stopped. */
    private static ProcessHandle libvirtd() throws IOException {
        long pid = Long.parseLong(Files.readString(Path.of("/run/libvirtd.pid")).trim());
        return ProcessHandle.of(pid).filter(p -> p.info().command().orElse("").endsWith("/libvirtd"))
                .orElseThrow(() -> new IllegalStateException("process " + pid + " of /run/libvirtd.pid is no libvirtd"));
    }
}
