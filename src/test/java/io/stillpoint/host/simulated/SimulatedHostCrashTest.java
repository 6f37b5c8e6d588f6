package io.stillpoint.host.simulated;

import static io.stillpoint.testing.SimulatedLab.assertDisksIntact;
import static io.stillpoint.testing.SimulatedLab.awaitWrites;
import static org.assertj.core.api.Assertions.assertThat;

import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestState;
import io.stillpoint.host.HoldMode;
import io.stillpoint.testing.SimulatedLab;
import io.stillpoint.writer.ChangeTracking;
import io.stillpoint.writer.Snapshot;
import io.stillpoint.writer.simulated.SimulatedSnapshotWriter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kills a server process with SIGKILL while its guest writes into a snapshot's differencing disks. */
class SimulatedHostCrashTest {

    @TempDir
    Path root;

    @Test
    void aKilledServerLeavesAHostThatRecovers() throws Exception {
        Process server = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElse("java"),
                        "-cp", System.getProperty("java.class.path"),
                        SimulatedHostCrashTest.class.getName(), root.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String ref;
        String generation;
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
            ref = out.readLine();
            assertThat(ref).as("guest ref printed by the server").isNotNull();
            generation = out.readLine();
            assertThat(out.readLine()).isEqualTo("writing into the snapshot");
        } finally {
            server.destroyForcibly();
            assertThat(server.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }

        Path disks = root.resolve("db01").resolve("Virtual Hard Disks");
        try (Stream<Path> files = Files.list(disks)) {
            assertThat(files).anyMatch(f -> f.toString().endsWith(".avhdx"));
        }
        try (SimulatedHypervisor host = SimulatedLab.host(root)) {
            new SimulatedSnapshotWriter().recover(host);
            GuestInfo guest = host.guest(ref);
            assertThat(guest.state()).isEqualTo(GuestState.RUNNING);
            try (Stream<Path> files = Files.list(disks)) {
                assertThat(files).noneMatch(f -> f.toString().endsWith(".avhdx"));
            }
            assertThat(root.resolve(".snapshots")).isEmptyDirectory();
            awaitWrites(host, ref, host.currentSequences(ref), 200);
            assertDisksIntact(host, ref);
            try (Snapshot next = snapshotWhilePaused(host, guest)) {
                assertThat(next.changesSince(Map.of(SimulatedSnapshotWriter.FACT_TRACKING_GENERATION, generation)))
                        .as("the killed server's generation lost the writes it had not saved")
                        .isEqualTo(new ChangeTracking.Untracked(
                                "tracking lost: the simulated host stopped without saving it"));
            }
        }
    }

    /** The server to kill: a guest writing into a snapshot that is never released, so the kill finds it active. */
    public static void main(String[] args) throws Exception {
        SimulatedHypervisor host = SimulatedLab.host(Path.of(args[0]));
        GuestInfo guest = host.create(SimulatedLab.spec("db01", true, 2));
        System.out.println(guest.ref());
        awaitWrites(host, guest.ref(), Map.of(), 100);
        System.out.println(snapshotWhilePaused(host, guest).facts().get(SimulatedSnapshotWriter.FACT_TRACKING_GENERATION));
        awaitWrites(host, guest.ref(), host.currentSequences(guest.ref()), 300);
        System.out.println("writing into the snapshot");
        System.out.flush();
        Thread.currentThread().join();
    }

    private static Snapshot snapshotWhilePaused(SimulatedHypervisor host, GuestInfo guest) {
        var prepared = new SimulatedSnapshotWriter().prepare(host, guest, Path.of(System.getProperty("java.io.tmpdir")));
        try (prepared; var hold = host.hold(guest.ref(), HoldMode.PAUSE)) {
            return prepared.create();
        }
    }
}
