package io.stillpoint.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The serial console of a booted {@link LinuxGuestImage} guest, as QEMU appends it to a file across
 * restarts: its boots (one {@value LinuxGuestImage#READY} each) and the workload's numbers, in order.
 */
public final class LinuxConsole {

    private static final Pattern SEQUENCE = Pattern.compile("STILLPOINT-SEQ (\\d+)");

    private final Path log;

    public LinuxConsole(Path log) {
        this.log = log;
    }

    public Path log() {
        return log;
    }

    /** How many times the guest has come up since the log began. */
    public int boots() {
        return count(LinuxGuestImage.READY);
    }

    /** How many times the guest has shut itself down cleanly. */
    public int cleanShutdowns() {
        return count(LinuxGuestImage.DOWN);
    }

    /** Every number the workload printed, in order, across boots and restarts. */
    public List<Long> sequence() {
        Matcher numbers = SEQUENCE.matcher(text());
        List<Long> sequence = new ArrayList<>();
        while (numbers.find()) {
            sequence.add(Long.parseLong(numbers.group(1)));
        }
        return sequence;
    }

    /** The workload's last number, 0 before the first. */
    public long lastSequence() {
        List<Long> sequence = sequence();
        return sequence.isEmpty() ? 0 : sequence.get(sequence.size() - 1);
    }

    /** Waits until the guest has come up {@code boots} times. */
    public void awaitBoots(int boots, Duration patience) {
        await().atMost(patience).pollInterval(Duration.ofMillis(100)).until(() -> boots() >= boots);
    }

    /**
     * Waits for the workload to print its {@code index}-th number (counting from 0 across the whole log),
     * and returns it: with {@code index} the size of {@link #sequence()} at some moment, the first number
     * printed after that moment.
     */
    public long awaitNumber(int index, Duration patience) {
        await().atMost(patience).pollInterval(Duration.ofMillis(50)).until(() -> sequence().size() > index);
        return sequence().get(index);
    }

    /** Waits until the guest has come up {@code boot} times, and returns its first number since then. */
    public long awaitFirstNumberOfBoot(int boot, Duration patience) {
        awaitBoots(boot, patience);
        await().atMost(patience).pollInterval(Duration.ofMillis(50)).until(() -> numbersAfterBoot(boot).find());
        Matcher numbers = numbersAfterBoot(boot);
        numbers.find();
        return Long.parseLong(numbers.group(1));
    }

    private Matcher numbersAfterBoot(int boot) {
        String text = text();
        int at = -1;
        for (int i = 0; i < boot; i++) {
            at = text.indexOf(LinuxGuestImage.READY, at + 1);
        }
        return SEQUENCE.matcher(text.substring(at));
    }

    /** Fails unless each number is one more than the one before it. */
    public static void assertConsecutive(List<Long> sequence) {
        for (int i = 1; i < sequence.size(); i++) {
            assertThat(sequence.get(i)).as("number %d of %s", i, sequence).isEqualTo(sequence.get(i - 1) + 1);
        }
    }

    /** The log's last {@code lines} lines, for a failure message. */
    public String tail(int lines) {
        String[] all = text().split("\n");
        return String.join("\n", List.of(all).subList(Math.max(0, all.length - lines), all.length));
    }

    private int count(String marker) {
        String text = text();
        int count = 0;
        for (int at = text.indexOf(marker); at >= 0; at = text.indexOf(marker, at + 1)) {
            count++;
        }
        return count;
    }

    private String text() {
        try {
            return new String(Files.readAllBytes(log), StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException notYet) {
            return "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
