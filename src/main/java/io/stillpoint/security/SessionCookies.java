package io.stillpoint.security;

import jakarta.enterprise.context.ApplicationScoped;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Reads when a console session cookie was issued. Quarkus' form sign-in writes the cookie as
 * AES-GCM, under the SHA-256 of the session key, of {@code <expiry in ms>:<user>}, with the expiry set
 * to the moment of issue plus the idle timeout; the moment of issue is therefore the expiry less the
 * timeout. Quarkus has checked the cookie already when this runs; reading it again is only for its
 * time, which Quarkus does not hand on.
 */
@ApplicationScoped
public class SessionCookies {

    private static final int TAG_BITS = 128;

    private final String cookieName;
    private final Duration timeout;
    private final SecretKeySpec key;

    SessionCookies(@ConfigProperty(name = "quarkus.http.auth.form.cookie-name") String cookieName,
            @ConfigProperty(name = "quarkus.http.auth.form.timeout") Duration timeout,
            @ConfigProperty(name = SessionKeySource.KEY) String sessionKey) throws GeneralSecurityException {
        this.cookieName = cookieName;
        this.timeout = timeout;
        this.key = new SecretKeySpec(MessageDigest.getInstance("SHA-256")
                .digest(sessionKey.getBytes(StandardCharsets.UTF_8)), "AES");
    }

    public String name() {
        return cookieName;
    }

    /** When the cookie was issued, or empty if it is not one of ours. */
    public Optional<Instant> issuedAt(String cookie) {
        try {
            ByteBuffer message = ByteBuffer.wrap(Base64.getDecoder().decode(cookie));
            byte[] iv = new byte[message.get()];
            message.get(iv);
            byte[] sealed = new byte[message.remaining()];
            message.get(sealed);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
            String content = new String(cipher.doFinal(sealed), StandardCharsets.UTF_8);
            long expiresAt = Long.parseLong(content.substring(0, content.indexOf(':')));
            return Optional.of(Instant.ofEpochMilli(expiresAt).minus(timeout));
        } catch (GeneralSecurityException | RuntimeException notOurs) {
            return Optional.empty();
        }
    }
}
