package io.stillpoint.security;

import java.time.Duration;

/** A sign-in refused unchecked because its user or its address failed too often lately. */
public class SignInThrottledException extends RuntimeException {

    private final Duration retryAfter;

    public SignInThrottledException(String who, Duration retryAfter) {
        super("too many failed sign-ins for " + who + "; try again in " + seconds(retryAfter) + " s");
        this.retryAfter = retryAfter;
    }

    /** Whole seconds, rounded up, at least 1: the {@code Retry-After} header's value. */
    public long retryAfterSeconds() {
        return seconds(retryAfter);
    }

    private static long seconds(Duration wait) {
        return Math.max(1, (wait.toMillis() + 999) / 1000);
    }
}
