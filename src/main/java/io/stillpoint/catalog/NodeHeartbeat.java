package io.stillpoint.catalog;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A server node's last sign of life. */
@Entity
@Table(name = "node_heartbeat")
public class NodeHeartbeat extends PanacheEntityBase {

    @Id
    public String node;

    @Column(name = "last_seen")
    public Instant lastSeen;
}
