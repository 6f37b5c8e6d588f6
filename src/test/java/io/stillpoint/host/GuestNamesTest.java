package io.stillpoint.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Names are what hypervisors take; only the file names derived from them are confined. */
class GuestNamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"web01", "web 01", "Büro (alt)", "..", ".", "-dash-first", "trailing.", "CON", "a:b*c?",
            "Bob’s VM", "名前"})
    void namesHypervisorsTakeAreTakenAndTheirFileNamesStayWhereTheyAreResolved(String name) {
        GuestNames.check("name", name);

        String file = GuestNames.fileName(name);
        Path root = Path.of("/srv/guests");
        assertThat(root.resolve(file).normalize().getParent()).as(name).isEqualTo(root);
        assertThat(file).as(name).matches("[A-Za-z0-9_][A-Za-z0-9 ._()-]{0,62}[A-Za-z0-9_()-]")
                .isNotEqualToIgnoringCase("CON").hasSizeLessThanOrEqualTo(64);
    }

    @ParameterizedTest
    @ValueSource(strings = {"web01", "web 01", "db-02.example", "App (old)"})
    void aPlainNameIsItsOwnFileName(String name) {
        assertThat(GuestNames.fileName(name)).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"web:01", "web?01", "web_01"})
    void namesThatLookAlikeNeverShareAFileName(String name) {
        assertThat(GuestNames.fileName(name)).isNotIn(
                java.util.stream.Stream.of("web:01", "web?01", "web_01").filter(n -> !n.equals(name))
                        .map(GuestNames::fileName).toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/b", "x\\y", " leading", "trailing ", "tab\tinside", "new\nline", "bell\u0007",
            "right\u202Eleft"})
    void namesNoHypervisorTakesAreRefusedNamingTheField(String name) {
        assertThatThrownBy(() -> GuestNames.check("name", name))
                .isInstanceOfSatisfying(InvalidGuestSpecException.class, e -> {
                    assertThat(e.field()).isEqualTo("name");
                    assertThat(e.getMessage()).startsWith("name: ").doesNotStartWith("name: name:");
                });
    }

    @org.junit.jupiter.api.Test
    void aNameIsBoundedAsHyperVBoundsIt() {
        GuestNames.check("name", "x".repeat(100));
        assertThatThrownBy(() -> GuestNames.check("name", "x".repeat(101))).isInstanceOf(InvalidGuestSpecException.class)
                .hasMessageContaining("longer than 100");
        assertThat(GuestNames.fileName("x".repeat(100))).hasSizeLessThanOrEqualTo(64);
    }
}
