package io.stillpoint.api;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.api.dto.RepositoryRequest;
import io.stillpoint.api.dto.RepositoryResponse;
import io.stillpoint.backup.RepositoryChecker;
import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.inventory.Inventory;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.security.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.nio.file.InvalidPathException;
import java.util.List;
import java.util.Map;
import java.util.UUID;

@RolesAllowed({Role.VIEWER, Role.OPERATOR, Role.ADMIN})
@Path("/api/repositories")
public class RepositoryResource {

    private final Inventory inventory;
    private final RepositoryChecker checker;

    RepositoryResource(Inventory inventory, RepositoryChecker checker) {
        this.inventory = inventory;
        this.checker = checker;
    }

    @GET
    public List<RepositoryResponse> list() {
        return QuarkusTransaction.requiringNew().call(() -> BackupRepository.<BackupRepository>list("order by name"))
                .stream().map(RepositoryResponse::of).toList();
    }

    /**
     * Lists what lies in the repository that the catalog does not know (interrupted runs and deletions)
     * and, unless {@code dryRun}, removes it.
     */
    @RolesAllowed(Role.ADMIN)
    @POST
    @Path("{id}/check")
    public Map<String, Object> check(@PathParam("id") String id, @QueryParam("dryRun") @DefaultValue("false") boolean dryRun)
            throws java.io.IOException {
        UUID repositoryId = Ids.path("repository", id);
        QuarkusTransaction.requiringNew().call(() -> BackupRepository.byId(repositoryId)
                .orElseThrow(() -> new NotFoundException("repository", repositoryId)));
        List<String> unknown = checker.check(repositoryId, !dryRun);
        return Map.of("dryRun", dryRun, "unknown", unknown, "removed", dryRun ? List.of() : unknown);
    }

    @RolesAllowed(Role.ADMIN)
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
