package io.stillpoint.api;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.api.dto.RepositoryCheckResponse;
import io.stillpoint.api.dto.RepositoryDeleteResponse;
import io.stillpoint.api.dto.RepositoryRequest;
import io.stillpoint.api.dto.RepositoryResponse;
import io.stillpoint.api.dto.RepositoryUsageResponse;
import io.stillpoint.backup.BlockCloneProbes;
import io.stillpoint.backup.RepositoryChecker;
import io.stillpoint.backup.RepositoryDeleter;
import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.catalog.RepositoryUsage;
import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.inventory.Inventory;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.security.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Tag(name = "Repositories")
@RolesAllowed({Role.VIEWER, Role.OPERATOR, Role.ADMIN})
@Path("/api/repositories")
public class RepositoryResource {

    private static final int MAX_USAGE_SAMPLES = 2000;

    private final Inventory inventory;
    private final RepositoryChecker checker;
    private final RepositoryDeleter deleter;
    private final BlockCloneProbes probes;

    RepositoryResource(Inventory inventory, RepositoryChecker checker, RepositoryDeleter deleter,
            BlockCloneProbes probes) {
        this.inventory = inventory;
        this.checker = checker;
        this.deleter = deleter;
        this.probes = probes;
    }

    @Operation(operationId = "listRepositories", summary = "List the backup repositories")
    @GET
    public List<RepositoryResponse> list() {
        return QuarkusTransaction.requiringNew().call(() -> BackupRepository.<BackupRepository>list("order by name")
                .stream().map(RepositoryResponse::of).toList());
    }

    /** One repository with its space: physical use beside its points' logical size, and whether it clones blocks. */
    @Operation(operationId = "getRepository", summary = "Get one repository with its space and cloning")
    @GET
    @Path("{id}")
    public RepositoryResponse get(@PathParam("id") String id) {
        UUID repositoryId = Ids.path("repository", id);
        return QuarkusTransaction.requiringNew().call(() -> BackupRepository.byId(repositoryId)
                .map(RepositoryResponse::of)
                .orElseThrow(() -> new NotFoundException("repository", repositoryId)));
    }

    /**
     * The repository's space over time, oldest first: its newest {@code limit} samples, taken after each
     * successful run and each deleted restore point, at most one a minute.
     */
    @Operation(operationId = "getRepositoryUsage", summary = "Get a repository's space use over time")
    @GET
    @Path("{id}/usage")
    public List<RepositoryUsageResponse> usage(@PathParam("id") String id,
            @QueryParam("limit") @DefaultValue("200") String rawLimit) {
        UUID repositoryId = Ids.path("repository", id);
        int limit = usageLimit(rawLimit);
        return QuarkusTransaction.requiringNew().call(() -> {
            BackupRepository.byId(repositoryId).orElseThrow(() -> new NotFoundException("repository", repositoryId));
            return RepositoryUsage.newest(repositoryId, limit).stream().map(RepositoryUsageResponse::of).toList();
        });
    }

    /** Parsed here rather than by JAX-RS, which answers 404 to a query parameter that is not a number. */
    private static int usageLimit(String raw) {
        try {
            int limit = Integer.parseInt(raw.strip());
            if (limit >= 1 && limit <= MAX_USAGE_SAMPLES) {
                return limit;
            }
        } catch (NumberFormatException notANumber) {
            // answered below like a number out of range
        }
        throw new InvalidRequestException("limit", "'" + raw + "' is not a whole number between 1 and " + MAX_USAGE_SAMPLES);
    }

    /**
     * Compares the repository's folder with the catalog: removes Stillpoint's own leftovers (restore points
     * whose deletion was interrupted, {@code .partial} directories of runs that ended) unless {@code dryRun},
     * and reports everything else it does not know, and restore points whose files are gone.
     */
    @Operation(operationId = "checkRepository", summary = "Check a repository against the catalog")
    @RolesAllowed(Role.ADMIN)
    @POST
    @Path("{id}/check")
    public RepositoryCheckResponse check(@PathParam("id") String id,
            @QueryParam("dryRun") @DefaultValue("false") boolean dryRun) throws IOException {
        UUID repositoryId = Ids.path("repository", id);
        return RepositoryCheckResponse.of(repositoryId, dryRun, checker.check(repositoryId, !dryRun));
    }

    /**
     * Deletes the repository, catalog first, then its files. Refused (409) while a job backs up to it, a run
     * or restore uses it, or it holds restore points, unless {@code deletePoints} deletes them with it.
     */
    @Operation(operationId = "deleteRepository", summary = "Delete a repository")
    @RolesAllowed(Role.ADMIN)
    @DELETE
    @Path("{id}")
    public RepositoryDeleteResponse delete(@PathParam("id") String id,
            @QueryParam("deletePoints") @DefaultValue("false") boolean deletePoints) {
        return RepositoryDeleteResponse.of(deleter.delete(Ids.path("repository", id), deletePoints));
    }

    @APIResponse(responseCode = "201", description = "The repository, its folder marked; Location names it",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RepositoryResponse.class)))
    @Operation(operationId = "createRepository", summary = "Add a backup repository")
    @RolesAllowed(Role.ADMIN)
    @POST
    public Response create(@Valid @NotNull RepositoryRequest body) {
        BackupRepository created = inventory.createRepository(body.name(), body.path());
        probes.probe(created.id);
        RepositoryResponse repository = QuarkusTransaction.requiringNew()
                .call(() -> RepositoryResponse.of(BackupRepository.byId(created.id).orElseThrow()));
        return Response.created(URI.create("/api/repositories/" + created.id)).entity(repository).build();
    }
}
