package io.stillpoint.alert;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** Where admins want to hear of alerts: an SMTP server and recipients, or a webhook; and which alerts. */
@Entity
@Table(name = "notification_channel")
public class NotificationChannel extends PanacheEntityBase {

    public static final String EMAIL = "email";
    public static final String WEBHOOK = "webhook";

    @Id
    public UUID id;

    public String name;

    /** {@link #EMAIL} or {@link #WEBHOOK}. */
    public String type;

    public boolean enabled;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(columnDefinition = "jsonb")
    public ChannelSettings settings;

    /** The SMTP password (null without authentication) or the webhook's signing secret; never shown. */
    public String secret;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(columnDefinition = "jsonb")
    public List<ChannelRule> rules = new ArrayList<>();

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "updated_at")
    public Instant updatedAt;

    public static Optional<NotificationChannel> byId(UUID id) {
        return findByIdOptional(id);
    }

    public static Optional<NotificationChannel> byName(String name) {
        return find("name", name).firstResultOptional();
    }

    public boolean takes(AlertEvent event) {
        Severity severity = Severity.parse(event.severity).orElse(Severity.INFO);
        return enabled && rules.stream().anyMatch(rule -> rule.matches(event.type, severity));
    }
}
