package io.stillpoint.api;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.api.dto.FileResponse;
import io.stillpoint.api.dto.RestorePointResponse;
import io.stillpoint.api.dto.RestoreRequestBody;
import io.stillpoint.api.dto.RestoreResponse;
import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.catalog.Restore;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.catalog.Vm;
import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.repository.Manifest;
import io.stillpoint.repository.ManifestCodec;
import io.stillpoint.repository.RepositoryLayout;
import io.stillpoint.restore.RestoreRequest;
import io.stillpoint.restore.RestoreService;
import io.stillpoint.restore.RestoreTarget;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

@Path("/api/restore-points")
public class RestorePointResource {

    private final RestoreService restores;

    RestorePointResource(RestoreService restores) {
        this.restores = restores;
    }

    /** Newest first; {@code vmId} narrows to one VM. */
    @GET
    public List<RestorePointResponse> list(@QueryParam("vmId") String vmId) {
        UUID vm = Ids.field("vmId", vmId);
        return QuarkusTransaction.requiringNew().call(() -> {
            List<RestorePoint> points = vm == null ? RestorePoint.newestFirst() : RestorePoint.ofVm(vm);
            Map<UUID, String> names = new HashMap<>();
            return points.stream()
                    .map(p -> RestorePointResponse.of(p, names.computeIfAbsent(p.vmId,
                            id -> Vm.byId(id).map(v -> v.name).orElse(null))))
                    .toList();
        });
    }

    @GET
    @Path("{id}")
    public RestorePointResponse get(@PathParam("id") String id) {
        UUID pointId = Ids.path("restore point", id);
        return QuarkusTransaction.requiringNew().call(() -> {
            RestorePoint p = RestorePoint.byId(pointId).orElseThrow(() -> new NotFoundException("restore point", pointId));
            return RestorePointResponse.of(p, Vm.byId(p.vmId).map(v -> v.name).orElse(null));
        });
    }

    /** The VM's files in the restore point, with paths relative to the VM's folder. */
    @GET
    @Path("{id}/files")
    public List<FileResponse> files(@PathParam("id") String id) throws IOException {
        Manifest manifest = manifest(Ids.path("restore point", id));
        String prefix = RepositoryLayout.FILES + "/";
        return manifest.entries().stream()
                .filter(e -> e.path().startsWith(prefix))
                .map(e -> FileResponse.of(e.path().substring(prefix.length()), e))
                .toList();
    }

    /** Starts a restore; answers 202 with the restore to poll. */
    @POST
    @Path("{id}/restore")
    public Response restore(@PathParam("id") String id, RestoreRequestBody body) {
        UUID pointId = Ids.path("restore point", id);
        if (body == null || body.target() == null) {
            throw new InvalidRequestException("target", "is required; one of " + RestoreTarget.ids());
        }
        RestoreTarget target = RestoreTarget.parse(body.target()).orElseThrow(() -> new InvalidRequestException("target",
                "'" + body.target() + "' is not a target; targets are " + RestoreTarget.ids()));
        if (target == RestoreTarget.PATH && (body.path() == null || body.path().isBlank())) {
            throw new InvalidRequestException("path", "is required for target 'path'");
        }
        Restore restore = restores.request(
                new RestoreRequest(pointId, target, body.path(), body.startAfter(), body.stopVm()), null);
        return Response.accepted(RestoreResponse.of(restore, null)).location(URI.create("/api/restores/" + restore.id))
                .build();
    }

    private static Manifest manifest(UUID pointId) throws IOException {
        java.nio.file.Path dir = QuarkusTransaction.requiringNew().call(() -> {
            RestorePoint p = RestorePoint.byId(pointId).orElseThrow(() -> new NotFoundException("restore point", pointId));
            BackupRepository repository = BackupRepository.byId(p.repositoryId).orElseThrow();
            return new RepositoryLayout(repository.root()).resolve(p.relativePath);
        });
        return ManifestCodec.read(dir.resolve(RepositoryLayout.MANIFEST));
    }
}
