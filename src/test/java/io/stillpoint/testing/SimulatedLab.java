package io.stillpoint.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stillpoint.host.GuestHold;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestSpec;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.simulated.DiskCheck;
import io.stillpoint.host.simulated.SimulatedDisks;
import io.stillpoint.host.simulated.SimulatedHypervisor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** Fixtures for tests on a simulated host: fast guests with small disks, and waits on their writes. */
public final class SimulatedLab {

    public static final long DISK_BYTES = 16L << 20;
    public static final long MEMORY_BYTES = 64L << 20;
    public static final Duration PATIENCE = Duration.ofSeconds(20);

    private SimulatedLab() {}

    /** A host whose guests write 8 blocks per disk every 5 ms: a 16 MiB disk's journal wraps in under a second. */
    public static SimulatedHypervisor host(Path root) {
        try {
            return new SimulatedHypervisor("lab", root, 5, 8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static GuestSpec spec(String name, boolean canQuiesce, int disks) {
        return new GuestSpec(name, Collections.nCopies(disks, DISK_BYTES), MEMORY_BYTES, "Debian 12",
                canQuiesce);
    }

    /** Waits until every disk of the guest has had {@code writes} more writes than in {@code since}. */
    public static Map<String, Long> awaitWrites(SimulatedHypervisor host, String ref, Map<String, Long> since,
            long writes) {
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(10)).until(() -> host.currentSequences(ref)
                .entrySet().stream().allMatch(e -> e.getValue() >= since.getOrDefault(e.getKey(), 0L) + writes));
        return host.currentSequences(ref);
    }

    /**
     * Pauses the guest and asserts that each of its live disks holds exactly its writes up to the guest's
     * current sequence: nothing lost, nothing torn.
     */
    public static Map<String, Long> assertDisksIntact(SimulatedHypervisor host, String ref) {
        try (GuestHold hold = host.hold(ref, HoldMode.PAUSE)) {
            Map<String, Long> sequences = host.currentSequences(ref);
            GuestInfo guest = host.guest(ref);
            List<Path> disks = guest.disks();
            for (Path disk : disks) {
                long expected = sequences.get(disk.getFileName().toString());
                DiskCheck check = check(disk);
                assertThat(check.isPointInTime(expected))
                        .as("%s holds exactly the writes up to %d: %s", disk.getFileName(), expected, summary(check))
                        .isTrue();
            }
            return sequences;
        }
    }

    public static DiskCheck check(Path disk) {
        try {
            return SimulatedDisks.check(disk);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String summary(DiskCheck check) {
        return "valid=" + check.validBlocks() + " invalid=" + check.invalidBlocks() + " min=" + check.minSequence()
                + " max=" + check.maxSequence() + " of " + check.journalBlocks();
    }
}
