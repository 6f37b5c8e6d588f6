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
}
