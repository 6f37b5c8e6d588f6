package io.stillpoint.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A guest's file names reach the download's Content-Disposition only in a form the header can carry. */
class AttachmentNameTest {

    @Test
    void aPlainNameIsGivenAsIs() {
        assertThat(RestorePointResource.attachment("db01.vhdx"))
                .isEqualTo("attachment; filename=\"db01.vhdx\"; filename*=UTF-8''db01.vhdx");
    }

    @Test
    void quotesControlCharactersAndUnicodeNeverReachTheHeaderRaw() {
        String header = RestorePointResource.attachment("a\"b\r\nSet-Cookie: x=1;ä.txt");

        assertThat(header).doesNotContain("\r").doesNotContain("\n");
        assertThat(header).startsWith("attachment; filename=\"a_b__Set-Cookie: x=1;_.txt\"; filename*=UTF-8''");
        assertThat(header).endsWith("a%22b%0D%0ASet-Cookie%3A%20x%3D1%3B%C3%A4.txt");
    }
}
