package io.stillpoint.api;

import io.stillpoint.guestfiles.GuestRestore;
import io.stillpoint.guestfiles.GuestRestores;
import io.stillpoint.security.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Restores of guest files ({@code POST /api/restore-points/{id}/guest/restore}): their progress, and cancel.
 * They are kept in memory by the node that runs them.
 */
@Tag(name = "Guest files")
@RolesAllowed({Role.VIEWER, Role.OPERATOR, Role.ADMIN})
@Path("/api/guest-restores")
public class GuestRestoreResource {

    private final GuestRestores restores;

    GuestRestoreResource(GuestRestores restores) {
        this.restores = restores;
    }

    @Operation(operationId = "getGuestRestore", summary = "Get a guest file restore with its progress")
    @GET
    @Path("{id}")
    public GuestRestore get(@PathParam("id") String id) {
        return restores.get(Ids.path("guest file restore", id));
    }

    /** Stops the restore; what it staged is removed and the target stays as it was. */
    @Operation(operationId = "cancelGuestRestore", summary = "Cancel a guest file restore")
    @RolesAllowed({Role.OPERATOR, Role.ADMIN})
    @POST
    @Path("{id}/cancel")
    public GuestRestore cancel(@PathParam("id") String id) {
        return restores.cancel(Ids.path("guest file restore", id));
    }
}
