package io.stillpoint.security;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Throttling of failed sign-ins (HTTP Basic and the console's form alike). */
@ConfigMapping(prefix = "stillpoint.sign-in")
public interface SignInConfig {

    /**
     * Failed sign-ins one user name may have within {@link #window()}; the next attempt is answered 429
     * without its password being checked, until the oldest of them is older than the window.
     */
    @WithDefault("5")
    int maxFailuresPerUser();

    /** Failed sign-ins one client address may have within {@link #window()}, whatever the user names. */
    @WithDefault("20")
    int maxFailuresPerAddress();

    /** How long a failed sign-in counts, and so the longest a user name or an address is locked. */
    @WithDefault("PT15M")
    Duration window();

    /**
     * After a failed sign-in, the next attempt for the same user name or from the same address is refused
     * (429) for this long; each further failure within {@link #window()} doubles the wait, up to the window,
     * until the limit of failures locks the name or address. {@code PT0S} turns the delay off.
     */
    @WithDefault("PT1S")
    Duration firstDelay();
}
