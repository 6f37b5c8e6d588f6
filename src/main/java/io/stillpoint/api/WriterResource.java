package io.stillpoint.api;

import io.stillpoint.api.dto.WriterResponse;
import io.stillpoint.inventory.WriterRegistry;
import io.stillpoint.security.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.util.List;

@RolesAllowed({Role.VIEWER, Role.OPERATOR, Role.ADMIN})
@Path("/api/writers")
public class WriterResource {

    private final WriterRegistry writers;

    WriterResource(WriterRegistry writers) {
        this.writers = writers;
    }

    @GET
    public List<WriterResponse> list() {
        return writers.all().stream().map(WriterResponse::of).toList();
    }
}
