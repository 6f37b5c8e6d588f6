package io.stillpoint.api;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.stillpoint.api.dto.FinalizeRequest;
import io.stillpoint.api.dto.InstantRecoveryResponse;
import io.stillpoint.backup.RunProgress;
import io.stillpoint.catalog.InstantRecovery;
import io.stillpoint.catalog.Keyset;
import io.stillpoint.catalog.PageRequest;
import io.stillpoint.instant.InstantRecoveries;
import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.security.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.RestStreamElementType;

/** Running a VM straight from its restore point, moving it to its host's storage, or throwing it away. */
@Tag(name = "Instant recoveries")
@RolesAllowed({Role.VIEWER, Role.OPERATOR, Role.ADMIN})
@Path("/api/instant-recoveries")
public class InstantRecoveryResource {

    private final InstantRecoveries recoveries;
    private final RunProgress progress;

    InstantRecoveryResource(InstantRecoveries recoveries, RunProgress progress) {
        this.recoveries = recoveries;
        this.progress = progress;
    }

    /** Newest first, one page ({@link Paging}); {@code state} (STARTING, RUNNING, FINALIZING, ...) narrows it. */
    @Operation(operationId = "listInstantRecoveries", summary = "List instant recoveries, newest first")
    @GET
    public RestResponse<List<InstantRecoveryResponse>> list(@QueryParam("state") String state,
            @QueryParam("limit") String limit, @QueryParam("after") String after, @Context UriInfo uri) {
        Keyset<InstantRecovery> query = Keyset.of(InstantRecovery.class, "createdAt").where("state", state(state));
        PageRequest page = Paging.request(limit, after);
        return QuarkusTransaction.requiringNew().call(() -> Paging.answer(query.fetch(page), page, r -> r.createdAt,
                r -> r.id, recoveries -> recoveries.stream()
                        .map(r -> InstantRecoveryResponse.of(r, progress.of(r.id).orElse(null))).toList(), uri));
    }

    private static InstantRecovery.State state(String raw) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        return Arrays.stream(InstantRecovery.State.values()).filter(s -> s.name().equals(raw)).findFirst()
                .orElseThrow(() -> new InvalidRequestException("state", "'" + raw + "' is not one of "
                        + Arrays.toString(InstantRecovery.State.values())));
    }

    @Operation(operationId = "getInstantRecovery", summary = "Get one instant recovery")
    @GET
    @Path("{id}")
    public InstantRecoveryResponse get(@PathParam("id") String id) {
        return view(Ids.path("instant recovery", id));
    }

    /** The recovery's state as server-sent events, every half second until it is neither starting nor finalizing. */
    @Operation(operationId = "streamInstantRecoveryEvents", summary = "Follow an instant recovery's state and progress (server-sent events)")
    @GET
    @Path("{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<InstantRecoveryResponse> events(@PathParam("id") String id) {
        UUID recoveryId = Ids.path("instant recovery", id);
        view(recoveryId);
        return ProgressStream.of(() -> view(recoveryId),
                r -> !r.state().equals("STARTING") && !r.state().equals("FINALIZING"));
    }

    /** Moves the VM's disks to its host's storage while it runs: 202, then FINALIZING until FINALIZED. */
    @APIResponse(responseCode = "202", description = "Finalizing has started; follow it at Location",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = InstantRecoveryResponse.class)))
    @Operation(operationId = "finalizeInstantRecovery", summary = "Move a running instant recovery's disks to the host's storage")
    @RolesAllowed({Role.OPERATOR, Role.ADMIN})
    @POST
    @Path("{id}/finalize")
    public Response finalizeRecovery(@PathParam("id") String id, FinalizeRequest body) {
        UUID recoveryId = Ids.path("instant recovery", id);
        InstantRecovery started = recoveries.finalizeRecovery(recoveryId, body == null ? null : body.path(),
                body == null ? null : body.bandwidthLimit());
        return Response.accepted(view(started.id)).location(URI.create("/api/instant-recoveries/" + started.id)).build();
    }

    /** Stops a VM that was not finalized and deletes its overlays. */
    @Operation(operationId = "discardInstantRecovery", summary = "Stop an instant recovery that is not finalized and discard its overlays")
    @RolesAllowed({Role.OPERATOR, Role.ADMIN})
    @DELETE
    @Path("{id}")
    public InstantRecoveryResponse discard(@PathParam("id") String id) {
        InstantRecovery discarded = recoveries.discard(Ids.path("instant recovery", id));
        return view(discarded.id);
    }

    static InstantRecoveryResponse view(UUID id, RunProgress progress) {
        InstantRecovery r = QuarkusTransaction.requiringNew().call(
                () -> InstantRecovery.byId(id).orElseThrow(() -> new NotFoundException("instant recovery", id)));
        return InstantRecoveryResponse.of(r, progress.of(id).orElse(null));
    }

    private InstantRecoveryResponse view(UUID id) {
        return view(id, progress);
    }
}
