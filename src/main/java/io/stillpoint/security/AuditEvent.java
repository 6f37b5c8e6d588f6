package io.stillpoint.security;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** One state-changing call: who, when, what, on what, and how it ended. */
@Entity
@Table(name = "audit_event")
public class AuditEvent extends PanacheEntityBase {

    @Id
    public UUID id;

    public Instant at;

    public String username;

    /** The HTTP method and the route, e.g. {@code POST /api/vms/{id}/backup}. */
    public String action;

    /** The path called, naming the object acted on. */
    public String target;

    public int status;

    /** The client's address, for sign-in events. */
    public String address;

    /** A failed or refused sign-in: the user name tried, from where, on which path, and the answer. */
    public static void signIn(String username, String address, String mechanism, String path, int status) {
        AuditEvent event = new AuditEvent();
        event.id = UUID.randomUUID();
        event.at = Instant.now();
        event.username = username;
        event.address = address;
        event.action = "SIGN-IN " + mechanism;
        event.target = path;
        event.status = status;
        event.persist();
    }
}
