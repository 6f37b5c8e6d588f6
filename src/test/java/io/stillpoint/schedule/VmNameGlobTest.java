package io.stillpoint.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The glob a job picks VMs by: what it matches, what it refuses, and that no pattern makes matching slow. */
class VmNameGlobTest {

    @ParameterizedTest(name = "''{0}'' against ''{1}'' is {2}")
    @CsvSource(delimiter = '|', textBlock = """
            web01        | web01       | true
            web01        | web011      | false
            web*         | web         | true
            web*         | web-frontend-7 | true
            web*         | aweb01      | false
            *01          | db01        | true
            *            | anything at all | true
            ?b01         | db01        | true
            ?b01         | b01         | false
            db[0-9][0-9] | db42        | true
            db[0-9][0-9] | db4x        | false
            db[!0-9]*    | dbx1        | true
            db[!0-9]*    | db1x        | false
            [abc]pp      | bpp         | true
            [a-cx]pp     | xpp         | true
            [a-c]pp      | dpp         | false
            Web*         | web01       | false
            web\\*       | web*        | true
            web\\*       | web01       | false
            a*b*c        | a-xx-b-yy-c | true
            a*b*c        | a-xx-c-yy-b | false
            web 0?       | web 01      | true
            """)
    void matchesWholeNamesCaseSensitively(String pattern, String name, boolean matches) {
        assertThat(VmNameGlob.of(pattern).matches(name)).isEqualTo(matches);
    }

    @ParameterizedTest(name = "''{0}'' is refused: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            db[0-9        | without its ']'
            db[]          | empty set
            db[z-a]       | end comes before its start
            db\\          | escapes nothing
            ''            | must not be empty
            """)
    void refusesWhatIsNotAGlobAndSaysWhy(String pattern, String why) {
        assertThatThrownBy(() -> VmNameGlob.of(pattern))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(why);
    }

    @Test
    void refusesPatternsLongerThanTheCapAndControlCharacters() {
        assertThat(VmNameGlob.of("a".repeat(VmNameGlob.MAX_LENGTH)).matches("a".repeat(VmNameGlob.MAX_LENGTH))).isTrue();
        assertThatThrownBy(() -> VmNameGlob.of("a".repeat(VmNameGlob.MAX_LENGTH + 1)))
                .hasMessageContaining("at most " + VmNameGlob.MAX_LENGTH);
        assertThatThrownBy(() -> VmNameGlob.of("web\n01")).hasMessageContaining("control characters");
    }

    /** The shapes that make a backtracking regular expression take minutes are matched at once. */
    @Test
    void noPatternMakesMatchingExplode() {
        String pattern = "*a".repeat(VmNameGlob.MAX_LENGTH / 2 - 1) + "*b";
        VmNameGlob glob = VmNameGlob.of(pattern);
        String name = "a".repeat(10_000);
        long started = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            assertThat(glob.matches(name)).isFalse();
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(VmNameGlob.of("?".repeat(100) + "*").matches("x".repeat(99))).isFalse();
    }

    @Test
    void compilesEachPatternOnce() {
        assertThat(VmNameGlob.of("once-*")).isSameAs(VmNameGlob.of("once-*"));
    }
}
