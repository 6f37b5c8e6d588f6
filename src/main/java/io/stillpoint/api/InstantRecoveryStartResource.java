package io.stillpoint.api;

import io.quarkus.security.identity.SecurityIdentity;
import io.stillpoint.api.dto.InstantRecoveryRequest;
import io.stillpoint.api.dto.InstantRecoveryResponse;
import io.stillpoint.backup.RunProgress;
import io.stillpoint.catalog.InstantRecovery;
import io.stillpoint.instant.InstantRecoveries;
import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.security.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code POST /api/restore-points/{id}/instant-recovery}: a root resource of its own, so the restore point
 * resource stays as it is.
 */
@Tag(name = "Instant recoveries")
@Path("/api/restore-points/{id}/instant-recovery")
public class InstantRecoveryStartResource {

    private final InstantRecoveries recoveries;
    private final RunProgress progress;
    private final SecurityIdentity identity;

    InstantRecoveryStartResource(InstantRecoveries recoveries, RunProgress progress, SecurityIdentity identity) {
        this.recoveries = recoveries;
        this.progress = progress;
        this.identity = identity;
    }

    /** Starts a new VM whose disks are overlays on the restore point's; 201 once it runs. */
    @APIResponse(responseCode = "201", description = "The recovery, starting; Location names it",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = InstantRecoveryResponse.class)))
    @Operation(operationId = "startInstantRecovery", summary = "Start a new VM straight from a restore point")
    @RolesAllowed({Role.OPERATOR, Role.ADMIN})
    @POST
    public Response start(@PathParam("id") String pointId, InstantRecoveryRequest body) {
        UUID point = Ids.path("restore point", pointId);
        if (body == null) {
            throw new InvalidRequestException("name", "is required: the new VM's name");
        }
        InstantRecovery started = recoveries.start(point, body.name(), Ids.field("hostId", body.hostId()),
                identity.getPrincipal().getName());
        return Response.created(URI.create("/api/instant-recoveries/" + started.id)).entity(InstantRecoveryResource.view(started.id, progress)).build();
    }

}
