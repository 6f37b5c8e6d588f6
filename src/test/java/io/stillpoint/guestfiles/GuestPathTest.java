package io.stillpoint.guestfiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stillpoint.inventory.InvalidRequestException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GuestPathTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "/|/|/fs0",
        "/etc/hostname|/etc/hostname|/fs0/etc/hostname",
        "//etc///./hostname/|/etc/hostname|/fs0/etc/hostname",
        "/home/odd name \"q\" ü ; $(x)|/home/odd name \"q\" ü ; $(x)|/fs0/home/odd name \"q\" ü ; $(x)",
    })
    void anAbsolutePathStaysBelowItsFileSystemsMountPoint(String requested, String normal, String inAppliance) {
        GuestPath path = GuestPath.parse("path", requested);

        assertThat(path).hasToString(normal);
        assertThat(path.under("/fs0")).isEqualTo(inAppliance);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "etc/hostname", "../etc", "/home/../../etc/passwd", "/..", "/etc/host\nname",
        "/etc/\0hostname", "/etc/\u007fx", "win:c:\\windows"})
    void aPathThatCouldLeaveTheGuestOrBeReadAsSomethingElseIsRefusedNamingTheField(String requested) {
        assertThatThrownBy(() -> GuestPath.parse("path", requested))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("path"));
    }

    @org.junit.jupiter.api.Test
    void aPathLongerThanLinuxAllowsIsRefused() {
        assertThatThrownBy(() -> GuestPath.parse("path", "/" + "a".repeat(GuestPath.MAX_LENGTH)))
                .isInstanceOf(InvalidRequestException.class);
    }
}
