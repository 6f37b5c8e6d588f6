package io.stillpoint.alert;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** One message to send to one channel: a row of the outbox (see {@code V11__alerts.sql}). */
@Entity
@Table(name = "notification_delivery")
public class NotificationDelivery extends PanacheEntityBase {

    public static final String OPEN = "OPEN";
    public static final String SENDING = "SENDING";
    public static final String RETRYING = "RETRYING";
    public static final String SENT = "SENT";
    public static final String FAILED = "FAILED";

    @Id
    public UUID id;

    @Column(name = "channel_id")
    public UUID channelId;

    @Column(name = "group_key")
    public String groupKey;

    public String status;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "due_at")
    public Instant dueAt;

    public int attempts;

    @Column(name = "first_attempt_at")
    public Instant firstAttemptAt;

    @Column(name = "claimed_by")
    public String claimedBy;

    @Column(name = "claimed_until")
    public Instant claimedUntil;

    @Column(name = "finished_at")
    public Instant finishedAt;

    @Column(name = "last_error")
    public String lastError;

    public static Optional<NotificationDelivery> byId(UUID id) {
        return findByIdOptional(id);
    }
}
