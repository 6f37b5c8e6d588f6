package io.stillpoint.security;

import io.quarkus.elytron.security.common.BcryptUtil;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The rules for passwords. bcrypt reads only the first 72 bytes of a password, so two passwords that
 * differ only after them would both match one hash; longer passwords are refused instead of silently
 * shortened.
 */
public final class Passwords {

    public static final int MIN_CHARACTERS = 12;
    public static final int MAX_BYTES = 72;

    private Passwords() {}

    /** Why {@code password} cannot be set, or empty when it can. */
    public static Optional<String> problemWith(String password) {
        if (password == null || password.length() < MIN_CHARACTERS) {
            return Optional.of("must be at least " + MIN_CHARACTERS + " characters");
        }
        if (tooLong(password)) {
            return Optional.of("must be at most " + MAX_BYTES + " bytes in UTF-8 (bcrypt ignores the rest)");
        }
        return Optional.empty();
    }

    /** Longer than bcrypt reads: never set, and never accepted at sign-in. */
    public static boolean tooLong(String password) {
        return password.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES;
    }

    static String hash(String password) {
        return BcryptUtil.bcryptHash(password);
    }

    static boolean matches(String password, String hash) {
        return !tooLong(password) && BcryptUtil.matches(password, hash);
    }
}
