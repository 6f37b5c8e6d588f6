package io.stillpoint.alert;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A lasting condition whose event was raised, e.g. {@code vm-unprotected:<vm id>}; gone once it is over. */
@Entity
@Table(name = "alert_condition")
public class AlertCondition extends PanacheEntityBase {

    @Id
    public String key;

    public Instant since;

    @Column(name = "event_id")
    public UUID eventId;
}
