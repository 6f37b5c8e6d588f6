package io.stillpoint.api;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.security.AuditEvent;
import io.stillpoint.security.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The audit log, newest first; admins only. */
@Tag(name = "Audit")
@Path("/api/audit")
@RolesAllowed(Role.ADMIN)
public class AuditResource {

    /** @param address the client's address, given for sign-in events */
    public record AuditEntry(UUID id, Instant at, String username, String action, String target, int status,
            String address) {}

    @Operation(operationId = "listAuditEvents", summary = "List the audit log, newest first")
    @GET
    public List<AuditEntry> list(@QueryParam("limit") @DefaultValue("500") int limit) {
        if (limit < 1 || limit > 10_000) {
            throw new InvalidRequestException("limit", "must be between 1 and 10000");
        }
        return QuarkusTransaction.requiringNew().call(() -> AuditEvent.newest(limit).stream()
                .map(e -> new AuditEntry(e.id, e.at, e.username, e.action, e.target, e.status, e.address)).toList());
    }
}
