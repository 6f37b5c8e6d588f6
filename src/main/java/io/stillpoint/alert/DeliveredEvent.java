package io.stillpoint.alert;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.util.Objects;
import java.util.UUID;

/** An event carried by a delivery. */
@Entity
@Table(name = "notification_delivery_event")
@IdClass(DeliveredEvent.Key.class)
public class DeliveredEvent extends PanacheEntityBase {

    @Id
    @Column(name = "delivery_id")
    public UUID deliveryId;

    @Id
    @Column(name = "event_id")
    public UUID eventId;

    /** The composite key Hibernate asks for. */
    public static class Key implements Serializable {

        public UUID deliveryId;
        public UUID eventId;

        @Override
        public boolean equals(Object other) {
            return other instanceof Key key && Objects.equals(deliveryId, key.deliveryId)
                    && Objects.equals(eventId, key.eventId);
        }

        @Override
        public int hashCode() {
            return Objects.hash(deliveryId, eventId);
        }
    }
}
