package io.stillpoint.api;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.api.dto.BackupRequestBody;
import io.stillpoint.api.dto.ProtectionRequest;
import io.stillpoint.api.dto.RunResponse;
import io.stillpoint.api.dto.VmResponse;
import io.stillpoint.backup.BackupMode;
import io.stillpoint.backup.BackupRequest;
import io.stillpoint.backup.BackupService;
import io.stillpoint.catalog.BackupRun;
import io.stillpoint.catalog.Vm;
import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.security.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Tag(name = "VMs")
@RolesAllowed({Role.VIEWER, Role.OPERATOR, Role.ADMIN})
@Path("/api/vms")
public class VmResource {

    private final VmViews views;
    private final BackupService backups;

    VmResource(VmViews views, BackupService backups) {
        this.views = views;
        this.backups = backups;
    }

    @Operation(operationId = "listVms", summary = "List the VMs of every host with their protection")
    @GET
    public List<VmResponse> list() {
        return views.all();
    }

    @Operation(operationId = "getVm", summary = "Get one VM")
    @GET
    @Path("{id}")
    public VmResponse get(@PathParam("id") String id) {
        return views.of(find(id));
    }

    /** Starts a backup of the VM now; answers 202 with the run to poll. */
    @APIResponse(responseCode = "202", description = "The run, queued; follow it at Location",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RunResponse.class)))
    @Operation(operationId = "backupVm", summary = "Back up a VM now")
    @RolesAllowed({Role.OPERATOR, Role.ADMIN})
    @POST
    @Path("{id}/backup")
    public Response backup(@PathParam("id") String id, @Valid BackupRequestBody body) {
        Vm vm = find(id);
        BackupRequestBody request = body == null ? new BackupRequestBody(null, null, null, null) : body;
        BackupMode mode = request.mode() == null
                ? BackupMode.AUTO
                : BackupMode.parse(request.mode()).orElseThrow(() -> new InvalidRequestException("mode",
                        "'" + request.mode() + "' is not a mode; modes are " + BackupMode.ids()));
        BackupRun run = backups.request(
                BackupRequest.now(vm.id, mode, request.writer(), request.repositoryId(), request.bandwidthLimit()));
        return Response.accepted(RunResponse.of(run, null)).location(URI.create("/api/runs/" + run.id)).build();
    }

    /**
     * Sets the VM's own bound on the age of its newest restore point ({@code {"maxPointAge": "PT26H"}}), past
     * which it raises {@code vm-unprotected}; {@code null} removes it.
     */
    @Operation(operationId = "setVmProtection", summary = "Set a VM's own bound on the age of its newest restore point")
    @RolesAllowed({Role.OPERATOR, Role.ADMIN})
    @PUT
    @Path("{id}/protection")
    public VmResponse protection(@PathParam("id") String id, ProtectionRequest body) {
        UUID vmId = find(id).id;
        Long seconds = null;
        if (body != null && body.maxPointAge() != null) {
            try {
                seconds = Duration.parse(body.maxPointAge()).getSeconds();
            } catch (DateTimeParseException e) {
                throw new InvalidRequestException("maxPointAge", "'" + body.maxPointAge()
                        + "' is not an ISO 8601 duration such as PT26H or P7D");
            }
            if (seconds < 60) {
                throw new InvalidRequestException("maxPointAge", "must be at least a minute");
            }
        }
        Long maxAge = seconds;
        QuarkusTransaction.requiringNew().run(() -> Vm.<Vm>findByIdOptional(vmId).orElseThrow().maxPointAgeSeconds = maxAge);
        return get(id);
    }

    private static Vm find(String id) {
        UUID vmId = Ids.path("VM", id);
        return QuarkusTransaction.requiringNew().call(
                () -> Vm.byId(vmId).orElseThrow(() -> new NotFoundException("VM", vmId)));
    }
}
