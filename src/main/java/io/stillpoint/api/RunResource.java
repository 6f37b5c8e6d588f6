package io.stillpoint.api;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.stillpoint.api.dto.RunResponse;
import io.stillpoint.api.dto.RunSummary;
import io.stillpoint.backup.BackupPipeline;
import io.stillpoint.backup.RunProgress;
import io.stillpoint.catalog.BackupRun;
import io.stillpoint.catalog.Keyset;
import io.stillpoint.catalog.PageRequest;
import io.stillpoint.catalog.RunCopyLog;
import io.stillpoint.catalog.RunStatus;
import io.stillpoint.inventory.BusyException;
import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.security.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.RestStreamElementType;

@Tag(name = "Runs")
@RolesAllowed({Role.VIEWER, Role.OPERATOR, Role.ADMIN})
@Path("/api/runs")
public class RunResource {

    /** A part of a copy log is built in memory; a whole log is asked for without a limit. */
    private static final long MAX_COPY_LOG_LINES = 100_000;

    private final RunProgress progress;
    private final BackupPipeline pipeline;

    RunResource(RunProgress progress, BackupPipeline pipeline) {
        this.progress = progress;
        this.pipeline = pipeline;
    }

    /**
     * Newest first, one page ({@link Paging}); {@code vmId}, {@code jobId}, {@code status} and
     * {@code since}/{@code until} (when the run was created) narrow it.
     */
    @Operation(operationId = "listRuns", summary = "List backup runs, newest first")
    @GET
    public RestResponse<List<RunSummary>> list(@QueryParam("vmId") String vmId, @QueryParam("jobId") String jobId,
            @QueryParam("status") String status, @QueryParam("since") String since, @QueryParam("until") String until,
            @QueryParam("limit") String limit, @QueryParam("after") String after, @Context UriInfo uri) {
        return page(Keyset.of(BackupRun.class, "createdAt").where("vmId", Ids.field("vmId", vmId))
                .where("jobId", Ids.field("jobId", jobId)).where("status", status("status", status))
                .between(Paging.instant("since", since), Paging.instant("until", until)), limit, after, uri, progress);
    }

    /** One page of runs, answered with the live copy figures of those that copy. */
    static RestResponse<List<RunSummary>> page(Keyset<BackupRun> query, String limit, String after, UriInfo uri,
            RunProgress progress) {
        PageRequest page = Paging.request(limit, after);
        return QuarkusTransaction.requiringNew().call(() -> Paging.answer(query.fetch(page), page, r -> r.createdAt,
                r -> r.id, runs -> runs.stream().map(r -> RunSummary.of(r, progress.of(r.id).orElse(null))).toList(), uri));
    }

    static RunStatus status(String field, String raw) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        try {
            return RunStatus.valueOf(raw);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(field, "'" + raw + "' is not one of " + java.util.Arrays.toString(RunStatus.values()));
        }
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
     * entry skipped, as plain text; complete once the run has ended. Whole by default; {@code offset} and
     * {@code limit} (lines) give a part, with a {@code Link: rel="next"} header while lines remain.
     */
    @Operation(operationId = "getRunCopyLog", summary = "Get a run's copy log, one line per file")
    @GET
    @Path("{id}/copy-log")
    @Produces(MediaType.TEXT_PLAIN)
    public RestResponse<String> copyLog(@PathParam("id") String id, @QueryParam("offset") String offset,
            @QueryParam("limit") String limit, @Context UriInfo uri) throws java.io.IOException {
        long skip = copyLogLines("offset", offset, 0, Long.MAX_VALUE, 0);
        long take = copyLogLines("limit", limit, 1, MAX_COPY_LOG_LINES, Long.MAX_VALUE);
        BackupRun run = find(id);
        byte[] log = QuarkusTransaction.requiringNew().call(() -> RunCopyLog.of(run.id).map(l -> l.log).orElseThrow(
                () -> new NotFoundException("run " + run.id + " has no copy log" + (run.status.finished() ? "" : " yet"))));
        StringBuilder part = new StringBuilder();
        boolean more = false;
        try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(
                new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(log)), java.nio.charset.StandardCharsets.UTF_8))) {
            long index = 0;
            for (String line = lines.readLine(); line != null; line = lines.readLine(), index++) {
                if (index - skip >= take) {
                    more = true;
                    break;
                }
                if (index >= skip) {
                    part.append(line).append('\n');
                }
            }
        }
        RestResponse.ResponseBuilder<String> answer = RestResponse.ResponseBuilder.ok(part.toString());
        if (more) {
            answer.header("Link", Paging.next(uri.getRequestUriBuilder().replaceQueryParam("offset", skip + take)
                    .replaceQueryParam("limit", take)));
        }
        return answer.build();
    }

    private static long copyLogLines(String field, String raw, long min, long max, long absent) {
        if (raw == null || raw.isBlank()) {
            return absent;
        }
        try {
            long value = Long.parseLong(raw.trim());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // answered below, as for a number out of range
        }
        throw new InvalidRequestException(field, "'" + raw + "' is not a whole number of lines from " + min
                + (max == Long.MAX_VALUE ? " up" : " to " + max));
    }

    /** Stops a running copy; the run ends CANCELLED and leaves nothing behind. */
    @APIResponse(responseCode = "202", description = "Cancelling; the run stops at its next safe step",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RunResponse.class)))
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
