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

    /** How long a failed sign-in counts. */
    @WithDefault("PT15M")
    Duration window();
}
