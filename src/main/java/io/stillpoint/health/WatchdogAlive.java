package io.stillpoint.health;

import io.stillpoint.backup.GuestWatchdog;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** Without its watchdog the server could leave a guest held: that is not a live server. */
@Liveness
public class WatchdogAlive implements HealthCheck {

    @Inject
    GuestWatchdog watchdog;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("guest-watchdog").status(watchdog.alive())
                .withData("maxDowntime", watchdog.maxDowntime().toString()).build();
    }
}
