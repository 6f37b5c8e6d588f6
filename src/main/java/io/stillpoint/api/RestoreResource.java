package io.stillpoint.api;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.stillpoint.api.dto.RestoreResponse;
import io.stillpoint.backup.RunProgress;
import io.stillpoint.catalog.Keyset;
import io.stillpoint.catalog.PageRequest;
import io.stillpoint.catalog.Restore;
import io.stillpoint.inventory.ConflictException;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.restore.RestorePipeline;
import io.stillpoint.security.Role;
import jakarta.annotation.security.RolesAllowed;
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
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.RestStreamElementType;

@Tag(name = "Restores")
@RolesAllowed({Role.VIEWER, Role.OPERATOR, Role.ADMIN})
@Path("/api/restores")
public class RestoreResource {

    private final RunProgress progress;
    private final RestorePipeline pipeline;

    RestoreResource(RunProgress progress, RestorePipeline pipeline) {
        this.progress = progress;
        this.pipeline = pipeline;
    }

    /**
     * Newest first, one page ({@link Paging}); {@code vmId}, {@code status} and {@code since}/{@code until}
     * (when the restore was asked for) narrow it.
     */
    @Operation(operationId = "listRestores", summary = "List restores, newest first")
    @GET
    public RestResponse<List<RestoreResponse>> list(@QueryParam("vmId") String vmId, @QueryParam("status") String status,
            @QueryParam("since") String since, @QueryParam("until") String until, @QueryParam("limit") String limit,
            @QueryParam("after") String after, @Context UriInfo uri) {
        Keyset<Restore> query = Keyset.of(Restore.class, "createdAt").where("vmId", Ids.field("vmId", vmId))
                .where("status", RunResource.status("status", status))
                .between(Paging.instant("since", since), Paging.instant("until", until));
        PageRequest page = Paging.request(limit, after);
        return QuarkusTransaction.requiringNew().call(() -> Paging.answer(query.fetch(page), page, r -> r.createdAt,
                r -> r.id, restores -> restores.stream().map(r -> RestoreResponse.of(r, progress.of(r.id).orElse(null)))
                        .toList(), uri));
    }

    @Operation(operationId = "getRestore", summary = "Get one restore with its progress")
    @GET
    @Path("{id}")
    public RestoreResponse get(@PathParam("id") String id) {
        return view(Ids.path("restore", id));
    }

    /** The restore's state as server-sent events, every half second until it has finished. */
    @Operation(operationId = "streamRestoreEvents", summary = "Follow a restore's progress (server-sent events)")
    @GET
    @Path("{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<RestoreResponse> events(@PathParam("id") String id) {
        UUID restoreId = Ids.path("restore", id);
        view(restoreId);
        return ProgressStream.of(() -> view(restoreId), r -> r.finishedAt() != null);
    }

    /** Stops a running restore; the target is left as it was before. */
    @APIResponse(responseCode = "202", description = "Cancelling; the restore stops at its next safe step",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RestoreResponse.class)))
    @Operation(operationId = "cancelRestore", summary = "Cancel a restore")
    @RolesAllowed({Role.OPERATOR, Role.ADMIN})
    @POST
    @Path("{id}/cancel")
    public Response cancel(@PathParam("id") String id) {
        RestoreResponse restore = view(Ids.path("restore", id));
        if (restore.finishedAt() != null || !pipeline.cancel(restore.id(), "cancelled by request")) {
            throw new ConflictException("restore " + restore.id() + " is " + restore.status() + " and cannot be cancelled now");
        }
        return Response.accepted(restore).build();
    }

    private RestoreResponse view(UUID restoreId) {
        Restore restore = QuarkusTransaction.requiringNew().call(
                () -> Restore.byId(restoreId).orElseThrow(() -> new NotFoundException("restore", restoreId)));
        return RestoreResponse.of(restore, progress.of(restoreId).orElse(null));
    }
}
