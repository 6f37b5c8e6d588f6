package io.stillpoint.alert;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** One attempt to send to a channel, with the receiver's answer. */
@Entity
@Table(name = "notification_attempt")
public class NotificationAttempt extends PanacheEntityBase {

    /** How much of a receiver's answer is kept. */
    static final int ANSWER_CHARS = 1000;

    @Id
    public UUID id;

    @Column(name = "channel_id")
    public UUID channelId;

    /** Null for a test message. */
    @Column(name = "delivery_id")
    public UUID deliveryId;

    public Instant at;

    @Column(name = "duration_millis")
    public long durationMillis;

    public boolean ok;

    @Column(name = "status_code")
    public Integer statusCode;

    public String answer;

    public int events;

    public static List<NotificationAttempt> newest(UUID channelId, int limit) {
        return find("channelId = ?1 order by at desc", channelId).page(0, limit).list();
    }

    static NotificationAttempt of(UUID channelId, UUID deliveryId, Instant at, SendOutcome outcome, int events) {
        NotificationAttempt attempt = new NotificationAttempt();
        attempt.id = UUID.randomUUID();
        attempt.channelId = channelId;
        attempt.deliveryId = deliveryId;
        attempt.at = at;
        attempt.durationMillis = outcome.durationMillis();
        attempt.ok = outcome.ok();
        attempt.statusCode = outcome.statusCode();
        String answer = outcome.answer();
        attempt.answer = answer == null || answer.length() <= ANSWER_CHARS ? answer : answer.substring(0, ANSWER_CHARS);
        attempt.events = events;
        return attempt;
    }
}
