package io.stillpoint.api;

import io.stillpoint.api.dto.WriterResponse;
import io.stillpoint.inventory.WriterRegistry;
import io.stillpoint.security.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Tag(name = "Writers")
@RolesAllowed({Role.VIEWER, Role.OPERATOR, Role.ADMIN})
@Path("/api/writers")
public class WriterResource {

    private final WriterRegistry writers;

    WriterResource(WriterRegistry writers) {
        this.writers = writers;
    }

    @Operation(operationId = "listWriters", summary = "List the snapshot writers and whether each is available")
    @GET
    public List<WriterResponse> list() {
        return writers.all().stream().map(WriterResponse::of).toList();
    }
}
