package io.stillpoint.alert;

import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Where the rest of the server raises alerts. An event is recorded in the caller's transaction when there is
 * one, so that it commits (or not) with the failure it reports; its delivery happens later, on another thread
 * ({@link DeliveryLoop}), so raising one never waits for a mail server or a webhook, and never fails the caller.
 */
@ApplicationScoped
public class Alerts {

    private static final Logger LOG = Logger.getLogger(Alerts.class);

    private final String consoleUrl;

    Alerts(NotificationsConfig config) {
        String url = config.consoleUrl();
        this.consoleUrl = url.endsWith("/") ? url : url + "/";
    }

    /** Records the event now; a failure to record it is logged, never thrown. */
    public void raise(Alert alert) {
        try {
            if (QuarkusTransaction.isActive()) {
                record(alert, UUID.randomUUID());
            } else {
                QuarkusTransaction.requiringNew().run(() -> record(alert, UUID.randomUUID()));
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "alert not recorded: %s", alert.summary());
        }
    }

    /**
     * Raises the event of a lasting condition once: only the first caller (on any node) that finds {@code key}
     * not raised yet records it, until {@link #clear} says the condition is over.
     *
     * @return whether this call raised it
     */
    public boolean raiseWhile(String key, Alert alert) {
        try {
            return QuarkusTransaction.joiningExisting().call(() -> {
                UUID eventId = UUID.randomUUID();
                int inserted = AlertCondition.getEntityManager().createNativeQuery(
                                "INSERT INTO alert_condition (key, since, event_id) VALUES (?1, ?2, ?3) ON CONFLICT (key) DO NOTHING")
                        .setParameter(1, key).setParameter(2, Instant.now()).setParameter(3, eventId)
                        .executeUpdate();
                if (inserted == 1) {
                    record(alert, eventId);
                }
                return inserted == 1;
            });
        } catch (RuntimeException e) {
            LOG.errorf(e, "alert not recorded: %s", alert.summary());
            return false;
        }
    }

    /** The condition is over: its next occurrence raises a new event. */
    public void clear(String key) {
        try {
            QuarkusTransaction.joiningExisting().run(() -> AlertCondition.deleteById(key));
        } catch (RuntimeException e) {
            LOG.warnf(e, "alert condition %s not cleared", key);
        }
    }

    /** The keys raised now that start with {@code prefix}, e.g. {@code "vm-unprotected:"}. */
    public Set<String> raised(String prefix) {
        List<AlertCondition> conditions = QuarkusTransaction.joiningExisting().call(
                () -> AlertCondition.<AlertCondition>list("key like ?1", prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"));
        Set<String> keys = new HashSet<>();
        conditions.forEach(c -> keys.add(c.key));
        return keys;
    }

    private void record(Alert alert, UUID id) {
        AlertEvent event = new AlertEvent();
        event.id = id;
        event.type = alert.type().id();
        event.severity = alert.severity().id();
        event.at = Instant.now();
        event.summary = alert.summary();
        event.scope = alert.scope() == null ? "" : alert.scope();
        event.link = consoleUrl + alert.consolePath();
        event.groupKey = alert.groupKey();
        event.vmId = alert.vmId();
        event.jobId = alert.jobId();
        event.runId = alert.runId();
        event.restorePointId = alert.restorePointId();
        event.repositoryId = alert.repositoryId();
        event.node = alert.node();
        event.persist();
        LOG.debugf("alert %s: %s", event.type, event.summary);
    }
}
