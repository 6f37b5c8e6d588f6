package io.stillpoint.security;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * An API token: a user's credential for scripts and tools, acting with at most its user's role. Only
 * the SHA-256 of its secret is stored.
 *
 * <p>Why not bcrypt, as for passwords: bcrypt is slow on purpose so that guessing a human-chosen
 * password from its hash takes long. A token's secret is 256 random bits, which no amount of guessing
 * reaches, so a fast hash protects it as well; and a token is checked on every request, where a bcrypt
 * check would cost tens of milliseconds each time. A fast hash also lets the catalog find the token by
 * its hash with an index, instead of checking every stored hash in turn.
 */
@Entity
@Table(name = "api_token")
public class ApiToken extends PanacheEntityBase {

    /**
     * Begins every secret, so that secret scanners (and people) recognise a leaked Stillpoint token;
     * the rest is 32 random bytes in URL-safe Base64.
     */
    public static final String PREFIX = "stp_";

    private static final Pattern SECRET = Pattern.compile(PREFIX + "[A-Za-z0-9_-]{43}");
    private static final SecureRandom RANDOM = new SecureRandom();

    @Id
    public UUID id;

    public String username;

    public String name;

    public String role;

    @Column(name = "secret_hash")
    public String secretHash;

    @Column(name = "created_at")
    public Instant createdAt;

    /** {@code null}: never expires. */
    @Column(name = "expires_at")
    public Instant expiresAt;

    /** To the minute: see {@link TokenSignIn}. */
    @Column(name = "last_used_at")
    public Instant lastUsedAt;

    /** A new secret, to be shown once and stored only through {@link #hash}. */
    public static String newSecret() {
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    /** Whether {@code secret} has the form of one of ours; others are refused without a look-up. */
    static boolean wellFormed(String secret) {
        return SECRET.matcher(secret).matches();
    }

    /** The SHA-256 of the secret in hex: what the catalog keeps and looks tokens up by. */
    public static String hash(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    public static Optional<ApiToken> bySecret(String secret) {
        return find("secretHash", hash(secret)).firstResultOptional();
    }

    public static List<ApiToken> ofUser(String username) {
        return list("username = ?1 order by createdAt", username);
    }

    public static List<ApiToken> everyones() {
        return list("order by username, createdAt");
    }

    public boolean expiredAt(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }
}
