package io.stillpoint.writer.hypervvss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.host.GuestHold;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.hyperv.HyperVConfig;
import io.stillpoint.host.hyperv.HyperVHypervisor;
import io.stillpoint.host.hyperv.HyperVHypervisorFactory;
import io.stillpoint.testing.LogCapture;
import io.stillpoint.testing.hyperv.StandInWorld;
import io.stillpoint.writer.PreparedSnapshot;
import io.stillpoint.writer.Snapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a server that died with a snapshot open finds at its next start, and how recovery cleans it up. */
class HyperVRecoveryTest {

    @TempDir
    Path dir;
    @TempDir
    Path workDir;

    private StandInWorld world;
    private HyperVConfig config;
    private HyperVHypervisor host;
    private String vm;

    @BeforeEach
    void setUp() throws Exception {
        world = new StandInWorld(dir);
        vm = world.addVm("db01", false, "C", "D");
        config = world.config(Duration.ofSeconds(20), Duration.ofSeconds(15));
        host = world.host(config);
    }

    @AfterEach
    void tearDown() throws Exception {
        world.close();
    }

    @Test
    void aDiskshadowThatOutlivedTheServerIsLetFinishItsOwnScript() throws Exception {
        abandonedSnapshot();
        new HyperVVssWriter(config).recover(host);
        assertThat(world.calls()).contains("diskshadow end backup", "diskshadow delete shadows set %VSS_SHADOW_SET%");
        assertThat(world.shadows()).isEmpty();
        assertThat(world.mountRoot()).isEmptyDirectory();
    }

    @Test
    void shadowCopiesWhoseDiskshadowDiedTooAreDeletedByMountFolder() throws Exception {
        abandonedSnapshot();
        ProcessHandle.current().descendants()
                .filter(p -> p.info().arguments().map(a -> Arrays.asList(a).contains(
                        "io.stillpoint.testing.hyperv.StandInDiskShadow")).orElse(false))
                .forEach(p -> {
                    p.destroyForcibly();
                    p.onExit().join();
                });
        assertThat(world.shadows()).hasSize(2);
        new HyperVVssWriter(config).recover(host);
        assertThat(world.calls()).noneMatch(c -> c.equals("diskshadow end backup"))
                .anyMatch(c -> c.startsWith("diskshadow delete shadows exposed "));
        assertThat(world.shadows()).isEmpty();
        assertThat(world.mountRoot()).isEmptyDirectory();
    }

    /**
     * The mount root as the server reaches it is a folder that holds other things too (the case:
     * {@code family-photos} was gone after a restart). Recovery releases and removes its own snapshot
     * folder, and leaves everything else as it was, writing nothing into it, naming each in the log.
     */
    @Test
    void recoveryOnASharedMountRootRemovesOnlyItsOwnSnapshotFolders() throws Exception {
        HyperVHypervisor remote = remoteHost();
        Path ours = abandonedSnapshot(remote);
        Path mounts = world.mountRoot();
        Path photos = Files.createDirectories(mounts.resolve("family-photos"));
        Files.writeString(photos.resolve("1.jpg"), "jpeg");
        String unmarkedName = UUID.randomUUID().toString();
        Path unmarked = Files.createDirectories(mounts.resolve(unmarkedName).resolve("A"));
        Files.writeString(unmarked.resolve("chapter1.txt"), "words");
        Path victim = Files.createDirectories(dir.resolve("victim").resolve("B"));
        Files.writeString(victim.resolve("keep.txt"), "keep");
        String linkName = UUID.randomUUID().toString();
        Files.createSymbolicLink(mounts.resolve(linkName), dir.resolve("victim"));

        List<String> logged;
        try (LogCapture log = LogCapture.of(HyperVVssWriter.class)) {
            new HyperVVssWriter(config).recover(remote);
            logged = log.messages();
        }

        assertThat(ours).doesNotExist();
        await().atMost(Duration.ofSeconds(20)).until(() -> world.shadows().isEmpty());
        assertThat(names(mounts)).containsExactlyInAnyOrder("family-photos", unmarkedName, linkName);
        assertThat(tree(photos)).containsExactly("1.jpg");
        assertThat(photos.resolve("1.jpg")).hasContent("jpeg");
        assertThat(tree(mounts.resolve(unmarkedName))).containsExactlyInAnyOrder("A", "A/chapter1.txt");
        assertThat(tree(dir.resolve("victim"))).containsExactlyInAnyOrder("B", "B/keep.txt");
        assertThat(mounts.resolve(linkName)).isSymbolicLink();
        assertThat(world.calls()).noneMatch(c -> c.contains(unmarkedName) || c.contains(linkName));
        assertThat(logged).anyMatch(m -> m.startsWith("WARN") && m.contains("family-photos"))
                .anyMatch(m -> m.startsWith("WARN") && m.contains(unmarkedName) && m.contains("no Stillpoint marker"))
                .anyMatch(m -> m.startsWith("WARN") && m.contains(linkName) && m.contains("link"));
    }

    /**
     * A snapshot folder an earlier Stillpoint left has no marker. It is released only when it holds exactly
     * what that version made, its hold script waiting for its own release file; a copy of such a folder
     * under another name is not, and is left.
     */
    @Test
    void aFolderOfAnEarlierVersionIsReleasedOnlyWhenItIsExactlyWhatThatVersionMade() throws Exception {
        Path earlier = abandonedSnapshot(host);
        Files.delete(earlier.resolve(OwnedFolder.MARKER));
        Path copy = Files.createDirectories(world.mountRoot().resolve(UUID.randomUUID().toString()));
        Files.copy(earlier.resolve("hold.cmd"), copy.resolve("hold.cmd"));
        Files.copy(earlier.resolve("snapshot.dsh"), copy.resolve("snapshot.dsh"));
        Files.createDirectory(copy.resolve("A"));

        new HyperVVssWriter(config).recover(host);

        assertThat(earlier).doesNotExist();
        await().atMost(Duration.ofSeconds(20)).until(() -> world.shadows().isEmpty());
        assertThat(tree(copy)).containsExactlyInAnyOrder("A", "hold.cmd", "snapshot.dsh");
    }

    /** The host reached through a prefix, its mount root reached by the server through a link of its own. */
    private HyperVHypervisor remoteHost() throws IOException {
        Path serverView = Files.createSymbolicLink(dir.resolve("server-view"), world.mountRoot());
        return world.host(config, Map.of(HyperVHypervisorFactory.REMOTE, HyperVRemoteWriterTest.PREFIX,
                HyperVHypervisorFactory.MOUNT_ROOT_FROM_SERVER, serverView.toString()));
    }

    private void abandonedSnapshot() throws IOException {
        abandonedSnapshot(host);
    }

    /** A snapshot taken and never closed, as a server killed during the copy leaves it; its folder. */
    private Path abandonedSnapshot(HyperVHypervisor on) throws IOException {
        HyperVVssWriter writer = new HyperVVssWriter(config);
        try (PreparedSnapshot prepared = writer.prepare(on, on.guest(vm), workDir);
                GuestHold hold = on.hold(vm, HoldMode.PAUSE)) {
            Snapshot snapshot = prepared.create();
            assertThat(snapshot.view().root()).isDirectory();
        }
        List<String> folders = names(world.mountRoot());
        assertThat(folders).hasSize(1);
        return world.mountRoot().resolve(folders.get(0));
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.map(p -> p.getFileName().toString()).toList();
        }
    }

    /** Every path under {@code folder}, relative to it, without following links. */
    private static List<String> tree(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.walk(folder)) {
            return entries.filter(p -> !p.equals(folder)).map(p -> folder.relativize(p).toString()).toList();
        }
    }
}
