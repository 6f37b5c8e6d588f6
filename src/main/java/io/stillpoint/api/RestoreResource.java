package io.stillpoint.api;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.api.dto.RestoreResponse;
import io.stillpoint.backup.RunProgress;
import io.stillpoint.catalog.Restore;
import io.stillpoint.inventory.NotFoundException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import java.util.UUID;

@Path("/api/restores")
public class RestoreResource {

    private final RunProgress progress;

    RestoreResource(RunProgress progress) {
        this.progress = progress;
    }

    @GET
    @Path("{id}")
    public RestoreResponse get(@PathParam("id") String id) {
        UUID restoreId = Ids.path("restore", id);
        Restore restore = QuarkusTransaction.requiringNew().call(
                () -> Restore.byId(restoreId).orElseThrow(() -> new NotFoundException("restore", restoreId)));
        return RestoreResponse.of(restore, progress.of(restoreId).orElse(null));
    }
}
