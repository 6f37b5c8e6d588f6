package io.stillpoint.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The delay after failed sign-ins doubles with each failure, is capped by the window, and becomes a
 * lock once the limit is reached: limit 5, window 15 min, first delay 1 s, failures one second apart,
 * the newest {@code sinceNewest} seconds before now.
 */
class SignInHoldBackTest {

    private static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");
    private static final Duration WINDOW = Duration.ofMinutes(15);

    @ParameterizedTest(name = "{0} failures, the newest {1} s ago: refused for {2} s more")
    @CsvSource({
        "0, 0, -1",
        "1, 0, 1",
        "1, 1, -1",
        "2, 0, 2",
        "2, 1, 1",
        "3, 0, 4",
        "4, 0, 8",
        "4, 8, -1",
        // the limit: locked until the oldest of the five leaves the window (4 s older than the newest)
        "5, 0, 896",
        "5, 100, 796",
        "6, 0, 896",
    })
    void holdBack(int failures, long sinceNewest, long refusedForSeconds) {
        Optional<Instant> until = SignInThrottle.holdBack(failures(failures, sinceNewest), 5, WINDOW, Duration.ofSeconds(1), NOW);
        if (refusedForSeconds < 0) {
            assertThat(until).isEmpty();
        } else {
            assertThat(until).contains(NOW.plusSeconds(refusedForSeconds));
        }
    }

    @ParameterizedTest(name = "first delay {0}: after {1} failures refused for {2} s")
    @CsvSource({
        "PT0S, 4, -1",
        "PT1M, 4, 480",
        // capped by the window, however many doublings
        "PT1M, 19, 900",
    })
    void theDelayIsCappedByTheWindowAndZeroTurnsItOff(Duration firstDelay, int failures, long refusedForSeconds) {
        Optional<Instant> until = SignInThrottle.holdBack(failures(failures, 0), 20, WINDOW, firstDelay, NOW);
        if (refusedForSeconds < 0) {
            assertThat(until).isEmpty();
        } else {
            assertThat(until).contains(NOW.plusSeconds(refusedForSeconds));
        }
    }

    /** {@code count} failures one second apart, newest first, the newest {@code sinceNewest} s before now. */
    private static List<Instant> failures(int count, long sinceNewest) {
        List<Instant> failures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            failures.add(NOW.minusSeconds(sinceNewest + i));
        }
        return failures;
    }
}
