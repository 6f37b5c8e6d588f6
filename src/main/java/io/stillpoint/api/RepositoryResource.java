package io.stillpoint.api;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.api.dto.RepositoryRequest;
import io.stillpoint.api.dto.RepositoryResponse;
import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.inventory.Inventory;
import io.stillpoint.inventory.InvalidRequestException;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.nio.file.InvalidPathException;
import java.util.List;

@Path("/api/repositories")
public class RepositoryResource {

    private final Inventory inventory;

    RepositoryResource(Inventory inventory) {
        this.inventory = inventory;
    }

    @GET
    public List<RepositoryResponse> list() {
        return QuarkusTransaction.requiringNew().call(() -> BackupRepository.<BackupRepository>list("order by name"))
                .stream().map(RepositoryResponse::of).toList();
    }

    @POST
    public Response create(@Valid @NotNull RepositoryRequest body) {
        java.nio.file.Path path;
        try {
            path = java.nio.file.Path.of(body.path());
        } catch (InvalidPathException e) {
            throw new InvalidRequestException("path", "is not a valid path: " + e.getReason());
        }
        BackupRepository repository = inventory.createRepository(body.name(), path);
        return Response.created(URI.create("/api/repositories/" + repository.id))
                .entity(RepositoryResponse.of(repository)).build();
    }
}
