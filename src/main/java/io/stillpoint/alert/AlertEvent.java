package io.stillpoint.alert;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** One alert as recorded: what happened, when, about what, and whether it was routed to the channels yet. */
@Entity
@Table(name = "alert_event")
public class AlertEvent extends PanacheEntityBase {

    @Id
    public UUID id;

    public String type;

    public String severity;

    public Instant at;

    public String summary;

    public String link;

    public String scope;

    @Column(name = "group_key")
    public String groupKey;

    @Column(name = "vm_id")
    public UUID vmId;

    @Column(name = "job_id")
    public UUID jobId;

    @Column(name = "run_id")
    public UUID runId;

    @Column(name = "restore_point_id")
    public UUID restorePointId;

    @Column(name = "repository_id")
    public UUID repositoryId;

    public String node;

    public boolean routed;

    public static List<AlertEvent> newest(int limit, String type) {
        return type == null
                ? find("order by at desc").page(0, limit).list()
                : find("type = ?1 order by at desc", type).page(0, limit).list();
    }

    /** The events a delivery carries, oldest first. */
    public static List<AlertEvent> ofDelivery(UUID deliveryId) {
        return list("id in (select l.eventId from DeliveredEvent l where l.deliveryId = ?1) order by at", deliveryId);
    }
}
