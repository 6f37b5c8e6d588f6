package io.stillpoint.host.simulated;

import static io.stillpoint.testing.SimulatedLab.assertDisksIntact;
import static io.stillpoint.testing.SimulatedLab.awaitWrites;
import static io.stillpoint.testing.SimulatedLab.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.testing.LogCapture;
import io.stillpoint.testing.SimulatedLab;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a simulated host removes when it opens on a folder after a crash: the folders it was building
 * guests in, temp files of its guests' metadata and differencing disks, each only when it is provably
 * Stillpoint's. Things named like them (links above all) are left, and the log names them.
 */
class SimulatedLeftoversTest {

    @TempDir
    Path root;
    @TempDir
    Path elsewhere;

    @Test
    void openingTheHostRemovesOnlyWhatItProvablyMade() throws IOException {
        GuestInfo guest;
        try (SimulatedHypervisor host = SimulatedLab.host(root)) {
            guest = host.create(spec("db01", true, 1));
            awaitWrites(host, guest.ref(), Map.of(), 20);
        }
        Path victim = Files.createDirectories(elsewhere.resolve("victim"));
        Files.writeString(victim.resolve("keep.txt"), "keep");
        String halfBuilt = id();
        Files.writeString(OwnedFolder.create(root.resolve(SimulatedGuest.CREATING + halfBuilt),
                SimulatedGuest.CREATION_PURPOSE, UUID.fromString(halfBuilt)).path().resolve("partial.xml"), "x");
        String unmarked = SimulatedGuest.CREATING + id();
        Files.writeString(Files.createDirectories(root.resolve(unmarked)).resolve("chapter1.txt"), "words");
        String linked = SimulatedGuest.CREATING + id();
        Files.createSymbolicLink(root.resolve(linked), victim);
        String misnamed = SimulatedGuest.CREATING + "family-photos";
        Files.writeString(Files.createDirectories(root.resolve(misnamed)).resolve("1.jpg"), "jpeg");

        Path machines = guest.directory().resolve(SimulatedGuest.MACHINES);
        Path ourTemp = Files.writeString(machines.resolve(guest.ref() + ".state.tmp"), "half written");
        Path notesTemp = Files.writeString(machines.resolve("notes.tmp"), "mine");
        Path disks = guest.directory().resolve(SimulatedGuest.DISKS);
        Path notADiskLog = Files.writeString(disks.resolve("db01_" + id() + ".avhdx"), "not a differencing disk");
        Path victimFile = Files.writeString(elsewhere.resolve("victim.bin"), "precious");
        Path linkedLog = Files.createSymbolicLink(disks.resolve("db01_" + id() + ".avhdx"), victimFile);

        List<String> logged;
        try (LogCapture guestLog = LogCapture.of(SimulatedGuest.class);
                SimulatedHypervisor host = SimulatedLab.host(root)) {
            logged = guestLog.messages();
            awaitWrites(host, guest.ref(), host.currentSequences(guest.ref()), 20);
            assertDisksIntact(host, guest.ref());
        }

        assertThat(root.resolve(SimulatedGuest.CREATING + halfBuilt)).doesNotExist();
        assertThat(tree(root.resolve(unmarked))).containsExactly("chapter1.txt");
        assertThat(root.resolve(linked)).isSymbolicLink();
        assertThat(tree(victim)).containsExactly("keep.txt");
        assertThat(tree(root.resolve(misnamed))).containsExactly("1.jpg");
        assertThat(ourTemp).doesNotExist();
        assertThat(notesTemp).hasContent("mine");
        assertThat(notADiskLog).hasContent("not a differencing disk");
        assertThat(linkedLog).isSymbolicLink();
        assertThat(victimFile).hasContent("precious");
        assertThat(logged).anyMatch(m -> m.startsWith("WARN") && m.contains(unmarked))
                .anyMatch(m -> m.startsWith("WARN") && m.contains(linked))
                .anyMatch(m -> m.startsWith("WARN") && m.contains(misnamed))
                .anyMatch(m -> m.startsWith("WARN") && m.contains(notADiskLog.getFileName().toString()))
                .anyMatch(m -> m.startsWith("WARN") && m.contains(linkedLog.getFileName().toString()));
    }

    private static String id() {
        return UUID.randomUUID().toString().toUpperCase(Locale.ROOT);
    }

    private static List<String> tree(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.walk(folder)) {
            return entries.filter(p -> !p.equals(folder)).map(p -> folder.relativize(p).toString()).toList();
        }
    }
}
