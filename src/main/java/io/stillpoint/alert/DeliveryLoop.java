package io.stillpoint.alert;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.stillpoint.config.Periodic;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * Routes and sends alerts on a thread of its own, every {@code poll-interval}, on every node (the {@link
 * Outbox} sees that each event and delivery is handled by one). Deliveries a stop left unsent are sent
 * after the next start.
 */
@ApplicationScoped
class DeliveryLoop {

    private static final Logger LOG = Logger.getLogger(DeliveryLoop.class);
    private static final Duration CLEAN_UP_EVERY = Duration.ofHours(1);
    private static final int BATCHES = 20;

    private final Outbox outbox;
    private final Duration interval;
    private Periodic periodic;
    private Instant cleanedUp = Instant.EPOCH;

    DeliveryLoop(Outbox outbox, NotificationsConfig config) {
        this.outbox = outbox;
        this.interval = config.pollInterval();
    }

    void onStart(@Observes @Priority(50) StartupEvent start) {
        periodic = Periodic.every("alert-delivery", interval, this::tick);
    }

    void onStop(@Observes ShutdownEvent stop) {
        if (periodic != null) {
            periodic.close();
        }
    }

    private void tick() {
        try {
            // A burst of events is routed in batches before anything is sent; many deliveries due at once are
            // sent batch after batch. Both are bounded, so a tick always ends.
            for (int batch = 0; batch < BATCHES && outbox.route() > 0; batch++) {
                LOG.tracef("routed batch %d", batch);
            }
            for (int batch = 0; batch < BATCHES && outbox.sendDue() > 0; batch++) {
                LOG.tracef("sent batch %d", batch);
            }
            if (Instant.now().isAfter(cleanedUp.plus(CLEAN_UP_EVERY))) {
                outbox.cleanUp();
                cleanedUp = Instant.now();
            }
        } catch (RuntimeException e) {
            // Two nodes opening the same group at once is one cause, and harmless: the loser's events are
            // routed again at its next tick.
            LOG.warnf("alert delivery failed this time; the next tick tries again: %s", e.getMessage());
        }
    }
}
