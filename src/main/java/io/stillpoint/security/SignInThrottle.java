package io.stillpoint.security;

import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Counts failed sign-ins per user name and per client address in the catalog, so that every node of
 * a cluster sees the same counts.
 *
 * <p>An attempt is written as pending before its password is checked, then kept as a failure or
 * removed. After each failure the key is held back for a delay that doubles with every further failure
 * ({@link SignInConfig#firstDelay()}); with its limit of failures within the window it is locked until
 * enough of them are older than the window, or an admin lifts the lock ({@link #lift}). A key is also
 * refused once its failures and pending attempts together reach twice the limit: guesses sent in
 * parallel, which all pass before any of them has failed, get at most that many tries, while a client
 * that signs in with several requests at once is not refused for them.
 */
@ApplicationScoped
public class SignInThrottle {

    /** Longer user names than any valid one are cut, so that a caller cannot fill the table with text. */
    private static final int MAX_KEY = 200;

    private static final String USER = "user:";
    private static final String ADDRESS = "address:";

    /** When only attempts in progress hold a key back: they end within a bcrypt check or so. */
    private static final Duration WHILE_PENDING = Duration.ofSeconds(1);

    private final SignInConfig config;
    private final EntityManager entities;

    SignInThrottle(SignInConfig config, EntityManager entities) {
        this.config = config;
        this.entities = entities;
    }

    /**
     * Writes the attempt as pending, then refuses it (and takes it back) when its user or its address
     * is held back; returns the attempt to settle with {@link #failed} or {@link #succeeded}.
     */
    public UUID begin(String user, String address) {
        UUID attempt = UUID.randomUUID();
        Instant now = Instant.now();
        QuarkusTransaction.requiringNew().run(() -> {
            entities.createNativeQuery("DELETE FROM sign_in_failure WHERE at <= ?1")
                    .setParameter(1, now.minus(config.window())).executeUpdate();
            for (String key : List.of(userKey(user), addressKey(address))) {
                entities.createNativeQuery("INSERT INTO sign_in_failure (attempt, key, at, pending) VALUES (?1, ?2, ?3, true)")
                        .setParameter(1, attempt).setParameter(2, key).setParameter(3, now).executeUpdate();
            }
        });
        Optional<SignInThrottledException> refusal = QuarkusTransaction.requiringNew().call(() ->
                refusal(attempt, userKey(user), config.maxFailuresPerUser(), "user '" + cut(user) + "'", now)
                        .or(() -> refusal(attempt, addressKey(address), config.maxFailuresPerAddress(),
                                "address " + address, now)));
        if (refusal.isPresent()) {
            QuarkusTransaction.requiringNew().run(() -> entities
                    .createNativeQuery("DELETE FROM sign_in_failure WHERE attempt = ?1").setParameter(1, attempt)
                    .executeUpdate());
            throw refusal.get();
        }
        return attempt;
    }

    /** A wrong password: the attempt counts as a failure for the window. */
    public void failed(UUID attempt) {
        QuarkusTransaction.requiringNew().run(() -> entities
                .createNativeQuery("UPDATE sign_in_failure SET pending = false WHERE attempt = ?1")
                .setParameter(1, attempt).executeUpdate());
    }

    /** A good password: the attempt does not count, nor do the user's earlier failures. */
    public void succeeded(UUID attempt, String user) {
        QuarkusTransaction.requiringNew().run(() -> entities
                .createNativeQuery("DELETE FROM sign_in_failure WHERE attempt = ?1 OR key = ?2")
                .setParameter(1, attempt).setParameter(2, userKey(user)).executeUpdate());
    }

    /**
     * Refuses the attempt while the key is held back by its failures ({@link #holdBack}), or, with twice
     * {@code limit} failures and pending attempts, for a moment.
     */
    private Optional<SignInThrottledException> refusal(UUID attempt, String key, int limit, String who, Instant now) {
        @SuppressWarnings("unchecked")
        List<Object[]> others = entities.createNativeQuery("SELECT at, pending FROM sign_in_failure"
                        + " WHERE key = ?1 AND at > ?2 AND attempt <> ?3 ORDER BY at DESC")
                .setParameter(1, key).setParameter(2, now.minus(config.window())).setParameter(3, attempt)
                .setMaxResults(2 * limit).getResultList();
        List<Instant> failures = others.stream().filter(row -> !((Boolean) row[1])).map(row -> instant(row[0])).toList();
        Optional<Instant> heldUntil = holdBack(failures, limit, config.window(), config.firstDelay(), now);
        if (heldUntil.isPresent()) {
            return Optional.of(new SignInThrottledException(who, Duration.between(now, heldUntil.get())));
        }
        if (others.size() >= 2 * limit) {
            return Optional.of(new SignInThrottledException(who, WHILE_PENDING));
        }
        return Optional.empty();
    }

    /**
     * Until when a key with these failures (within the window, newest first) is refused, if it is at
     * {@code now}: with {@code limit} of them, locked until the newest {@code limit}-th leaves the window;
     * with {@code n} fewer, for {@code firstDelay * 2^(n-1)} (at most the window) after the newest.
     */
    static Optional<Instant> holdBack(List<Instant> failures, int limit, Duration window, Duration firstDelay,
            Instant now) {
        if (failures.isEmpty()) {
            return Optional.empty();
        }
        Instant until;
        if (failures.size() >= limit) {
            until = failures.get(limit - 1).plus(window);
        } else {
            // 2^(n-1), with the exponent bounded so that the product cannot overflow before the cap
            Duration delay = firstDelay.multipliedBy(1L << Math.min(failures.size() - 1, 30));
            until = failures.get(0).plus(delay.compareTo(window) > 0 ? window : delay);
        }
        return until.isAfter(now) ? Optional.of(until) : Optional.empty();
    }

    /** A user name or address with failed sign-ins in the window, and until when it is refused, if it is. */
    public record Hold(
            String kind,
            String name,
            int failures,
            @Schema(nullable = true) Instant until) {}

    /** Every user name and address with failed sign-ins in the window, the locked and delayed first. */
    public List<Hold> holds() {
        Instant now = Instant.now();
        return QuarkusTransaction.requiringNew().call(() -> {
            @SuppressWarnings("unchecked")
            List<Object[]> rows = entities.createNativeQuery("SELECT key, at FROM sign_in_failure"
                            + " WHERE NOT pending AND at > ?1 ORDER BY key, at DESC")
                    .setParameter(1, now.minus(config.window())).getResultList();
            Map<String, List<Instant>> byKey = new LinkedHashMap<>();
            rows.forEach(row -> byKey.computeIfAbsent((String) row[0], k -> new ArrayList<>()).add(instant(row[1])));
            List<Hold> holds = new ArrayList<>();
            byKey.forEach((key, failures) -> {
                boolean user = key.startsWith(USER);
                int limit = user ? config.maxFailuresPerUser() : config.maxFailuresPerAddress();
                Instant until = holdBack(failures, limit, config.window(), config.firstDelay(), now).orElse(null);
                holds.add(new Hold(user ? "user" : "address", key.substring(key.indexOf(':') + 1), failures.size(), until));
            });
            holds.sort(Comparator.comparing((Hold h) -> h.until() == null).thenComparing(Hold::kind).thenComparing(Hold::name));
            return holds;
        });
    }

    /**
     * Lifts the lock (or delay) of a user name or an address by forgetting its failed sign-ins; answers
     * whether there were any.
     */
    public boolean lift(String kind, String name) {
        String key = "user".equals(kind) ? userKey(name) : addressKey(name);
        return QuarkusTransaction.requiringNew().call(() -> entities
                .createNativeQuery("DELETE FROM sign_in_failure WHERE key = ?1 AND NOT pending")
                .setParameter(1, key).executeUpdate() > 0);
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
        return USER + cut(user);
    }

    static String addressKey(String address) {
        return ADDRESS + address;
    }

    static String cut(String text) {
        return text.length() <= MAX_KEY ? text : text.substring(0, MAX_KEY);
    }
}
