package io.stillpoint.api;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.catalog.Keyset;
import io.stillpoint.catalog.PageRequest;
import io.stillpoint.security.AuditEvent;
import io.stillpoint.security.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.UriInfo;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

/** The audit log, newest first; admins only. */
@Tag(name = "Audit")
@Path("/api/audit")
@RolesAllowed(Role.ADMIN)
public class AuditResource {

    /** @param address the client's address, given for sign-in events */
    public record AuditEntry(
            UUID id,
            Instant at,
            @Schema(nullable = true) String username,
            String action,
            String target,
            int status,
            @Schema(nullable = true) String address) {}

    /** One page ({@link Paging}); {@code username} and {@code since}/{@code until} narrow it. */
    @Operation(operationId = "listAuditEvents", summary = "List the audit log, newest first")
    @GET
    public RestResponse<List<AuditEntry>> list(@QueryParam("username") String username, @QueryParam("since") String since,
            @QueryParam("until") String until, @QueryParam("limit") String limit, @QueryParam("after") String after,
            @Context UriInfo uri) {
        Keyset<AuditEvent> query = Keyset.of(AuditEvent.class, "at").where("username", username == null || username.isBlank() ? null : username)
                .between(Paging.instant("since", since), Paging.instant("until", until));
        PageRequest page = Paging.request(limit, after);
        return QuarkusTransaction.requiringNew().call(() -> Paging.answer(query.fetch(page), page, e -> e.at, e -> e.id,
                events -> events.stream().map(e -> new AuditEntry(e.id, e.at, e.username, e.action, e.target, e.status,
                        e.address)).toList(), uri));
    }
}
