package io.stillpoint.writer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stillpoint.host.GuestHold;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestState;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.Hypervisor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What every {@link SnapshotWriter} must do. A subclass supplies a host, the writer under test and a
 * RUNNING guest of that host that keeps writing to its disks.
 */
public abstract class SnapshotWriterContract {

    protected static final Duration PATIENCE = Duration.ofSeconds(20);

    @TempDir
    protected Path workDir;

    protected abstract Hypervisor hypervisor();

    protected abstract SnapshotWriter writer();

    /** A RUNNING guest that writes to its disks all the time, and can quiesce itself. */
    protected abstract GuestInfo guest();

    @Test
    void writerIsAvailableForItsHost() {
        assertThat(writer().availability().available()).isTrue();
        assertThat(writer().supportsHost(hypervisor().kind())).isTrue();
    }

    @Test
    void viewIsLaidOutAsTheGuestFolder() {
        try (Snapshot snapshot = snapshot(HoldMode.PAUSE)) {
            Path root = snapshot.view().root();
            for (Path disk : guest().disks()) {
                assertThat(root.resolve(guest().directory().relativize(disk).toString())).isRegularFile();
            }
            assertThat(relativeFiles(guest().directory())).containsAll(relativeFiles(root));
            assertThat(snapshot.instant()).isNotNull();
        }
    }

    @ParameterizedTest
    @EnumSource(HoldMode.class)
    void viewDoesNotChangeWhileTheGuestWrites(HoldMode mode) {
        assumeTrue(hypervisor().capabilities().supports(mode), () -> mode + " not supported");
        try (Snapshot snapshot = snapshot(mode)) {
            assertThat(hypervisor().guest(guest().ref()).state()).isEqualTo(GuestState.RUNNING);
            Path view = snapshot.view().root();
            String atSnapshot = treeDigest(view);
            awaitGuestWrites();
            assertThat(treeDigest(view)).isEqualTo(atSnapshot);
        }
    }

    @Test
    void closeKeepsTheGuestsWritesAndLeavesNothingBehind() {
        List<String> before = relativeFiles(guest().directory());
        Path view;
        String viewDisks;
        try (Snapshot snapshot = snapshot(HoldMode.PAUSE)) {
            view = snapshot.view().root();
            viewDisks = disksDigest(view);
            awaitGuestWrites();
        }
        assertThat(view).doesNotExist();
        assertThat(relativeFiles(guest().directory())).containsExactlyInAnyOrderElementsOf(before);
        try (GuestHold hold = hypervisor().hold(guest().ref(), HoldMode.PAUSE)) {
            assertThat(disksDigest(guest().directory())).isNotEqualTo(viewDisks);
        }
        assertThat(hypervisor().guest(guest().ref()).state()).isEqualTo(GuestState.RUNNING);
    }

    @Test
    void closeIsIdempotent() {
        Snapshot snapshot = snapshot(HoldMode.PAUSE);
        snapshot.close();
        snapshot.close();
        assertThat(snapshot.view().root()).doesNotExist();
    }

    @Test
    void preparedButNeverCreatedLeavesNothing() {
        List<String> before = relativeFiles(guest().directory());
        try (PreparedSnapshot prepared = writer().prepare(hypervisor(), guest(), workDir)) {
            assertThat(prepared).isNotNull();
        }
        assertThat(relativeFiles(guest().directory())).containsExactlyInAnyOrderElementsOf(before);
    }

    @Test
    void aFailedCreateLeavesTheGuestRunningAndTheNextSnapshotWorks() {
        List<String> before = relativeFiles(guest().directory());
        FaultySnapshotWriter faulty = new FaultySnapshotWriter(writer()).failNext(FaultySnapshotWriter.Step.AFTER_CREATE);
        try (GuestHold hold = hypervisor().hold(guest().ref(), HoldMode.PAUSE);
                PreparedSnapshot prepared = faulty.prepare(hypervisor(), guest(), workDir)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(prepared::create).isInstanceOf(SnapshotException.class);
        }
        assertThat(relativeFiles(guest().directory())).containsExactlyInAnyOrderElementsOf(before);
        try (Snapshot snapshot = snapshot(HoldMode.PAUSE)) {
            assertThat(snapshot.view().root()).isDirectory();
        }
    }

    /** Holds the guest, takes a snapshot and lets the guest run again, as the backup pipeline does. */
    protected Snapshot snapshot(HoldMode mode) {
        PreparedSnapshot prepared = writer().prepare(hypervisor(), guest(), workDir);
        try (prepared; GuestHold hold = hypervisor().hold(guest().ref(), mode)) {
            return prepared.create();
        }
    }

    /** Waits until the guest's folder (differencing files included) is no longer as it is now. */
    protected void awaitGuestWrites() {
        String now = treeDigest(guest().directory());
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20))
                .until(() -> !treeDigest(guest().directory()).equals(now));
    }

    protected static List<String> relativeFiles(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    protected static String treeDigest(Path dir) {
        return digest(dir, relativeFiles(dir));
    }

    private String disksDigest(Path dir) {
        return digest(dir, guest().disks().stream().map(d -> guest().directory().relativize(d).toString()).toList());
    }

    private static String digest(Path dir, List<String> files) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (String file : files) {
                sha.update(file.getBytes(StandardCharsets.UTF_8));
                try (InputStream in = Files.newInputStream(dir.resolve(file))) {
                    for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                        sha.update(buffer, 0, n);
                    }
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
