package io.stillpoint.api;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.stillpoint.api.dto.RunResponse;
import io.stillpoint.backup.BackupPipeline;
import io.stillpoint.backup.RunProgress;
import io.stillpoint.catalog.BackupRun;
import io.stillpoint.catalog.RunCopyLog;
import io.stillpoint.inventory.BusyException;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.security.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestStreamElementType;

@Tag(name = "Runs")
@RolesAllowed({Role.VIEWER, Role.OPERATOR, Role.ADMIN})
@Path("/api/runs")
public class RunResource {

    private final RunProgress progress;
    private final BackupPipeline pipeline;

    RunResource(RunProgress progress, BackupPipeline pipeline) {
        this.progress = progress;
        this.pipeline = pipeline;
    }

    /** Newest first; {@code vmId} narrows to one VM. */
    @Operation(operationId = "listRuns", summary = "List backup runs, newest first")
    @GET
    public List<RunResponse> list(@QueryParam("vmId") String vmId) {
        UUID vm = Ids.field("vmId", vmId);
        List<BackupRun> runs = QuarkusTransaction.requiringNew().call(
                () -> vm == null ? BackupRun.recent(500) : BackupRun.ofVm(vm));
        return runs.stream().map(r -> RunResponse.of(r, progress.of(r.id).orElse(null))).toList();
    }

    @Operation(operationId = "getRun", summary = "Get one run with its phases")
    @GET
    @Path("{id}")
    public RunResponse get(@PathParam("id") String id) {
        BackupRun run = find(id);
        return RunResponse.of(run, progress.of(run.id).orElse(null));
    }

    /** The run's state and copy progress as server-sent events, every half second until it has finished. */
    @Operation(operationId = "streamRunEvents", summary = "Follow a run's progress (server-sent events)")
    @GET
    @Path("{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<RunResponse> events(@PathParam("id") String id) {
        UUID runId = find(id).id;
        return ProgressStream.of(() -> {
            BackupRun run = QuarkusTransaction.requiringNew().call(() -> BackupRun.byId(runId).orElseThrow());
            return RunResponse.of(run, progress.of(runId).orElse(null));
        }, r -> r.finishedAt() != null);
    }

    /**
     * xcopy's {@code /F} for the run: one line per entry copied ({@code source -> destination}) and per
     * entry skipped, as plain text; complete once the run has ended.
     */
    @Operation(operationId = "getRunCopyLog", summary = "Get a run's copy log, one line per file")
    @GET
    @Path("{id}/copy-log")
    @Produces(MediaType.TEXT_PLAIN)
    public String copyLog(@PathParam("id") String id) throws java.io.IOException {
        BackupRun run = find(id);
        byte[] log = QuarkusTransaction.requiringNew().call(() -> RunCopyLog.of(run.id).map(l -> l.log).orElseThrow(
                () -> new NotFoundException("run " + run.id + " has no copy log" + (run.status.finished() ? "" : " yet"))));
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(log))) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** Stops a running copy; the run ends CANCELLED and leaves nothing behind. */
    @Operation(operationId = "cancelRun", summary = "Cancel a run")
    @RolesAllowed({Role.OPERATOR, Role.ADMIN})
    @POST
    @Path("{id}/cancel")
    public Response cancel(@PathParam("id") String id) {
        BackupRun run = find(id);
        if (run.status.finished() || !pipeline.cancel(run.id, "cancelled by request")) {
            throw new BusyException("run " + run.id + " is " + run.status + " and cannot be cancelled now");
        }
        return Response.accepted(RunResponse.of(run, progress.of(run.id).orElse(null))).build();
    }

    private static BackupRun find(String id) {
        UUID runId = Ids.path("run", id);
        return QuarkusTransaction.requiringNew().call(
                () -> BackupRun.byId(runId).orElseThrow(() -> new NotFoundException("run", runId)));
    }
}
