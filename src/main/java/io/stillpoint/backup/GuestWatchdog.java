package io.stillpoint.backup;

import io.stillpoint.config.StillpointConfig;
import io.stillpoint.host.GuestHold;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Bounds how long any guest stays held. A guard resumes its guest when the configured maximum
 * downtime passes, whatever the run's thread is doing (a hung snapshot call, a stalled socket).
 */
@ApplicationScoped
public class GuestWatchdog {

    private static final Logger LOG = Logger.getLogger(GuestWatchdog.class);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "guest-watchdog");
        thread.setDaemon(true);
        return thread;
    });
    private final Duration maxDowntime;

    GuestWatchdog(StillpointConfig config) {
        this.maxDowntime = config.backup().maxDowntime();
    }

    public Duration maxDowntime() {
        return maxDowntime;
    }

    /** Starts guarding a hold; close the guard once the hold is closed. */
    public Guard guard(String guestName, GuestHold hold) {
        return new Guard(guestName, hold);
    }

    public boolean alive() {
        return !timer.isShutdown();
    }

    @PreDestroy
    void stop() {
        timer.shutdownNow();
    }

    public final class Guard implements AutoCloseable {

        private final AtomicBoolean fired = new AtomicBoolean();
        private final ScheduledFuture<?> deadline;

        private Guard(String guestName, GuestHold hold) {
            this.deadline = timer.schedule(() -> {
                fired.set(true);
                LOG.errorf("guest '%s' held longer than %s: resuming it", guestName, maxDowntime);
                try {
                    hold.close();
                } catch (RuntimeException e) {
                    LOG.errorf(e, "watchdog could not resume guest '%s'", guestName);
                }
            }, maxDowntime.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** Whether the deadline passed and the watchdog resumed the guest. */
        public boolean fired() {
            return fired.get();
        }

        @Override
        public void close() {
            deadline.cancel(false);
        }
    }
}
