package io.stillpoint.alert;

import io.quarkus.arc.All;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.config.NodeName;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The outbox: routes recorded events into deliveries by the channels' rules, grouping them, and sends what is
 * due. Any node may do both at any time: rows are taken with {@code FOR UPDATE SKIP LOCKED}, so each event is
 * routed by one node and each delivery claimed by one node, for a lease long enough for one attempt. A node that
 * dies during an attempt leaves the delivery to another once its lease is over (so a receiver may, rarely, see a
 * message twice; its id tells). No transaction is held while a message is being sent.
 */
@ApplicationScoped
public class Outbox {

    private static final Logger LOG = Logger.getLogger(Outbox.class);
    private static final int BATCH = 200;
    private static final int CLAIM = 10;

    private final NotificationsConfig config;
    private final String node;
    private final Map<String, ChannelSender> senders = new HashMap<>();

    Outbox(NotificationsConfig config, NodeName node, @All List<ChannelSender> senders) {
        this.config = config;
        this.node = node.value();
        for (ChannelSender sender : senders) {
            if (this.senders.put(sender.type(), sender) != null) {
                throw new IllegalStateException("two senders for channels of type '" + sender.type() + "'");
            }
        }
    }

    /** Routes events not routed yet into deliveries; answers how many it routed. */
    public int route() {
        return QuarkusTransaction.requiringNew().call(() -> {
            EntityManager em = AlertEvent.getEntityManager();
            @SuppressWarnings("unchecked")
            List<AlertEvent> events = em.createNativeQuery(
                            "SELECT * FROM alert_event WHERE NOT routed ORDER BY at LIMIT ?1 FOR UPDATE SKIP LOCKED",
                            AlertEvent.class)
                    .setParameter(1, BATCH).getResultList();
            if (events.isEmpty()) {
                return 0;
            }
            List<NotificationChannel> channels = NotificationChannel.list("enabled = true");
            Instant now = Instant.now();
            for (AlertEvent event : events) {
                for (NotificationChannel channel : channels) {
                    if (channel.takes(event)) {
                        attach(em, channel.id, event, now);
                    }
                }
                event.routed = true;
            }
            return events.size();
        });
    }

    /**
     * Adds the event to the channel's delivery that is still collecting its group, or opens one. Each event
     * keeps the group open for {@code group-window} more, up to {@code group-max-wait} after it opened.
     */
    private void attach(EntityManager em, UUID channelId, AlertEvent event, Instant now) {
        @SuppressWarnings("unchecked")
        List<NotificationDelivery> open = em.createNativeQuery("SELECT * FROM notification_delivery"
                        + " WHERE channel_id = ?1 AND group_key = ?2 AND status = 'OPEN' FOR UPDATE", NotificationDelivery.class)
                .setParameter(1, channelId).setParameter(2, event.groupKey).getResultList();
        NotificationDelivery delivery;
        if (open.isEmpty()) {
            delivery = new NotificationDelivery();
            delivery.id = UUID.randomUUID();
            delivery.channelId = channelId;
            delivery.groupKey = event.groupKey;
            delivery.status = NotificationDelivery.OPEN;
            delivery.createdAt = now;
            delivery.dueAt = now.plus(config.groupWindow());
            // Flushed now: a second node opening the same group fails here, on the unique index, and its
            // events are routed again at its next tick, into this delivery.
            delivery.persistAndFlush();
        } else {
            delivery = open.get(0);
            Instant extended = now.plus(config.groupWindow());
            Instant latest = delivery.createdAt.plus(config.groupMaxWait());
            delivery.dueAt = min(max(delivery.dueAt, extended), latest);
        }
        DeliveredEvent link = new DeliveredEvent();
        link.deliveryId = delivery.id;
        link.eventId = event.id;
        link.persist();
    }

    /** Claims the deliveries that are due and sends each once; answers how many it attempted. */
    public int sendDue() {
        List<UUID> claimed = claimDue();
        for (UUID id : claimed) {
            send(id);
        }
        return claimed.size();
    }

    private List<UUID> claimDue() {
        return QuarkusTransaction.requiringNew().call(() -> {
            Instant now = Instant.now();
            @SuppressWarnings("unchecked")
            List<NotificationDelivery> due = NotificationDelivery.getEntityManager().createNativeQuery(
                            "SELECT * FROM notification_delivery WHERE (status IN ('OPEN', 'RETRYING') AND due_at <= ?1)"
                                    + " OR (status = 'SENDING' AND claimed_until < ?1)"
                                    + " ORDER BY due_at LIMIT ?2 FOR UPDATE SKIP LOCKED", NotificationDelivery.class)
                    .setParameter(1, now).setParameter(2, CLAIM).getResultList();
            List<UUID> ids = new ArrayList<>();
            for (NotificationDelivery delivery : due) {
                delivery.status = NotificationDelivery.SENDING;
                delivery.claimedBy = node;
                delivery.claimedUntil = now.plus(lease());
                if (delivery.firstAttemptAt == null) {
                    delivery.firstAttemptAt = now;
                }
                ids.add(delivery.id);
            }
            return ids;
        });
    }

    private record Claimed(NotificationChannel channel, Message message) {}

    private void send(UUID deliveryId) {
        Claimed claimed = QuarkusTransaction.requiringNew().call(() -> {
            NotificationDelivery delivery = NotificationDelivery.byId(deliveryId).orElse(null);
            NotificationChannel channel = delivery == null ? null : NotificationChannel.byId(delivery.channelId).orElse(null);
            if (channel == null) {
                return null;
            }
            if (!channel.enabled) {
                finish(delivery, NotificationDelivery.FAILED, "not sent: the channel was disabled");
                return null;
            }
            List<AlertEvent> events = AlertEvent.ofDelivery(deliveryId);
            if (events.isEmpty()) {
                finish(delivery, NotificationDelivery.FAILED, "not sent: its events were removed");
                return null;
            }
            return new Claimed(channel, Message.of(deliveryId, events));
        });
        if (claimed == null) {
            return;
        }
        Instant at = Instant.now();
        SendOutcome outcome = attempt(claimed.channel(), claimed.message());
        QuarkusTransaction.requiringNew().run(() -> {
            NotificationDelivery delivery = NotificationDelivery.byId(deliveryId).orElse(null);
            if (delivery == null) {
                return;
            }
            NotificationAttempt.of(delivery.channelId, deliveryId, at, outcome, claimed.message().events().size()).persist();
            if (!node.equals(delivery.claimedBy) || !NotificationDelivery.SENDING.equals(delivery.status)) {
                // Our lease ran out and another node took the delivery over: its attempt decides.
                return;
            }
            delivery.attempts++;
            Instant now = Instant.now();
            Instant giveUpAt = delivery.firstAttemptAt.plus(config.retry().giveUpAfter());
            if (outcome.ok()) {
                finish(delivery, NotificationDelivery.SENT, null);
            } else if (outcome.permanent() || !now.isBefore(giveUpAt)) {
                finish(delivery, NotificationDelivery.FAILED, outcome.answer());
                LOG.warnf("alert message %s to channel '%s' given up after %d attempts: %s", deliveryId,
                        claimed.channel().name, delivery.attempts, outcome.answer());
            } else {
                delivery.status = NotificationDelivery.RETRYING;
                delivery.lastError = outcome.answer();
                delivery.claimedBy = null;
                delivery.claimedUntil = null;
                delivery.dueAt = min(now.plus(backoff(delivery.attempts)), giveUpAt);
            }
        });
    }

    /** Sends a test message to the channel now, once, and records the attempt with its answer. */
    public NotificationAttempt test(UUID channelId, String requestedBy) {
        NotificationChannel channel = QuarkusTransaction.requiringNew().call(() -> NotificationChannel.byId(channelId))
                .orElseThrow();
        AlertEvent event = new AlertEvent();
        event.id = UUID.randomUUID();
        event.type = AlertType.TEST.id();
        event.severity = AlertType.TEST.severity().id();
        event.at = Instant.now();
        event.summary = "test message to channel '" + channel.name + "' from node '" + node + "', asked for by "
                + requestedBy;
        event.scope = "";
        event.link = config.consoleUrl().replaceAll("/?$", "/") + "#/notifications";
        event.groupKey = AlertType.TEST.id();
        Instant at = Instant.now();
        SendOutcome outcome = attempt(channel, Message.of(event.id, List.of(event)));
        return QuarkusTransaction.requiringNew().call(() -> {
            NotificationAttempt attempt = NotificationAttempt.of(channelId, null, at, outcome, 1);
            attempt.persist();
            return attempt;
        });
    }

    /** Removes events, finished deliveries and attempts older than {@code keep}. */
    public void cleanUp() {
        Instant before = Instant.now().minus(config.keep());
        QuarkusTransaction.requiringNew().run(() -> {
            NotificationAttempt.delete("at < ?1", before);
            NotificationDelivery.delete("status in ?1 and finishedAt < ?2",
                    List.of(NotificationDelivery.SENT, NotificationDelivery.FAILED), before);
            AlertEvent.delete("routed = true and at < ?1 and id not in (select l.eventId from DeliveredEvent l)", before);
        });
    }

    private SendOutcome attempt(NotificationChannel channel, Message message) {
        ChannelSender sender = senders.get(channel.type);
        try {
            return sender.send(channel, message, config.sendTimeout());
        } catch (RuntimeException e) {
            LOG.errorf(e, "sending alert message %s to channel '%s' failed", message.id(), channel.name);
            return SendOutcome.failed(null, "the server failed to send it: " + e.getMessage(), false, 0);
        }
    }

    /** The wait after the {@code attempts}-th failed attempt: the initial delay, doubled each time, bounded. */
    Duration backoff(int attempts) {
        Duration delay = config.retry().initialDelay();
        for (int i = 1; i < attempts && delay.compareTo(config.retry().maxDelay()) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(config.retry().maxDelay()) > 0 ? config.retry().maxDelay() : delay;
    }

    /** Long enough for one attempt with its deadline, so that only a dead node's claim runs out. */
    private Duration lease() {
        return config.sendTimeout().multipliedBy(2).plusSeconds(30);
    }

    private static void finish(NotificationDelivery delivery, String status, String error) {
        delivery.status = status;
        delivery.lastError = error;
        delivery.finishedAt = Instant.now();
        delivery.claimedBy = null;
        delivery.claimedUntil = null;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
