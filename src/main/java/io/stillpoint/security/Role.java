package io.stillpoint.security;

import java.util.Arrays;
import java.util.Optional;

/**
 * What a user may do: {@code viewer} reads everything, {@code operator} also runs backups and restores
 * and edits jobs, {@code admin} also manages users and reads the audit log.
 */
public final class Role {

    public static final String ADMIN = "admin";
    public static final String OPERATOR = "operator";
    public static final String VIEWER = "viewer";

    private static final String[] ALL = {ADMIN, OPERATOR, VIEWER};

    private Role() {}

    public static Optional<String> parse(String role) {
        return Arrays.stream(ALL).filter(r -> r.equals(role)).findFirst();
    }

    public static String all() {
        return String.join(", ", ALL);
    }

    /** Whether {@code role} may do no more than {@code limit}: viewer below operator below admin. */
    public static boolean atMost(String role, String limit) {
        return rank(role) <= rank(limit);
    }

    /** The lesser of two roles, e.g. a token's role and its user's current one. */
    public static String lesser(String one, String other) {
        return atMost(one, other) ? one : other;
    }

    private static int rank(String role) {
        return switch (role) {
            case ADMIN -> 2;
            case OPERATOR -> 1;
            case VIEWER -> 0;
            default -> throw new IllegalArgumentException("no such role: " + role);
        };
    }
}
