package io.stillpoint.security;

import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Counts failed sign-ins per user name and per client address in the catalog, so that every node of
 * a cluster sees the same counts. An attempt is written before its password is checked and removed
 * if it succeeds: attempts made in parallel count against each other, so that no burst gets more
 * tries than the limit.
 */
@ApplicationScoped
public class SignInThrottle {

    /** Longer user names than any valid one are cut, so that a caller cannot fill the table with text. */
    private static final int MAX_KEY = 200;

    private final SignInConfig config;
    private final EntityManager entities;

    SignInThrottle(SignInConfig config, EntityManager entities) {
        this.config = config;
        this.entities = entities;
    }

    /** Writes the attempt as a failure for now; {@link #succeeded} takes it back. */
    public UUID begin(String user, String address) {
        UUID attempt = UUID.randomUUID();
        Instant now = Instant.now();
        QuarkusTransaction.requiringNew().run(() -> {
            entities.createNativeQuery("DELETE FROM sign_in_failure WHERE at <= ?1")
                    .setParameter(1, now.minus(config.window())).executeUpdate();
            for (String key : List.of(userKey(user), addressKey(address))) {
                entities.createNativeQuery("INSERT INTO sign_in_failure (attempt, key, at) VALUES (?1, ?2, ?3)")
                        .setParameter(1, attempt).setParameter(2, key).setParameter(3, now).executeUpdate();
            }
        });
        return attempt;
    }

    /**
     * Refuses the attempt, and takes it back, when its user or its address already has the maximum
     * of failures within the window (attempts still being checked count as failures).
     */
    public void checkAllowed(UUID attempt, String user, String address) {
        Instant now = Instant.now();
        Optional<SignInThrottledException> refusal = QuarkusTransaction.requiringNew().call(() ->
                refusal(attempt, userKey(user), config.maxFailuresPerUser(), "user '" + cut(user) + "'", now)
                        .or(() -> refusal(attempt, addressKey(address), config.maxFailuresPerAddress(),
                                "address " + address, now)));
        if (refusal.isPresent()) {
            forget(attempt);
            throw refusal.get();
        }
    }

    /** A good password: the attempt does not count, nor do the user's earlier failures. */
    public void succeeded(UUID attempt, String user) {
        QuarkusTransaction.requiringNew().run(() -> {
            entities.createNativeQuery("DELETE FROM sign_in_failure WHERE attempt = ?1 OR key = ?2")
                    .setParameter(1, attempt).setParameter(2, userKey(user)).executeUpdate();
        });
    }

    private void forget(UUID attempt) {
        QuarkusTransaction.requiringNew().run(() -> entities
                .createNativeQuery("DELETE FROM sign_in_failure WHERE attempt = ?1").setParameter(1, attempt)
                .executeUpdate());
    }

    /**
     * With {@code limit} failures before this attempt, it is refused until the newest {@code limit}-th
     * of them leaves the window.
     */
    private Optional<SignInThrottledException> refusal(UUID attempt, String key, int limit, String who, Instant now) {
        @SuppressWarnings("unchecked")
        List<Object> limiting = entities.createNativeQuery("SELECT at FROM sign_in_failure"
                        + " WHERE key = ?1 AND at > ?2 AND attempt <> ?3 ORDER BY at DESC OFFSET ?4 LIMIT 1")
                .setParameter(1, key).setParameter(2, now.minus(config.window())).setParameter(3, attempt)
                .setParameter(4, limit - 1).getResultList();
        if (limiting.isEmpty()) {
            return Optional.empty();
        }
        Instant allowedAt = instant(limiting.get(0)).plus(config.window());
        return Optional.of(new SignInThrottledException(who, Duration.between(now, allowedAt)));
    }

    private static Instant instant(Object column) {
        if (column instanceof Instant instant) {
            return instant;
        }
        if (column instanceof OffsetDateTime offset) {
            return offset.toInstant();
        }
        return ((Timestamp) column).toInstant();
    }

    static String userKey(String user) {
        return "user:" + cut(user);
    }

    static String addressKey(String address) {
        return "address:" + address;
    }

    static String cut(String text) {
        return text.length() <= MAX_KEY ? text : text.substring(0, MAX_KEY);
    }
}
