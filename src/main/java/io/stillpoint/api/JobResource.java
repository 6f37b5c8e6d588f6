package io.stillpoint.api;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.api.dto.JobRequest;
import io.stillpoint.api.dto.JobResponse;
import io.stillpoint.api.dto.PruneResponse;
import io.stillpoint.api.dto.RunResponse;
import io.stillpoint.api.dto.RunSummary;
import io.stillpoint.backup.Retention;
import io.stillpoint.backup.RunProgress;
import io.stillpoint.backup.SharedStorage;
import io.stillpoint.catalog.BackupJob;
import io.stillpoint.catalog.BackupRun;
import io.stillpoint.catalog.Keyset;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.catalog.Vm;
import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.schedule.JobRunner;
import io.stillpoint.schedule.JobScheduler;
import io.stillpoint.schedule.JobService;
import io.stillpoint.security.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

@Tag(name = "Jobs")
@RolesAllowed({Role.VIEWER, Role.OPERATOR, Role.ADMIN})
@Path("/api/jobs")
public class JobResource {

    private final JobService jobs;
    private final JobRunner runner;

    private final RunProgress progress;

    JobResource(JobService jobs, JobRunner runner, RunProgress progress) {
        this.jobs = jobs;
        this.runner = runner;
        this.progress = progress;
    }

    @Operation(operationId = "listJobs", summary = "List the backup jobs")
    @GET
    public List<JobResponse> list() {
        return QuarkusTransaction.requiringNew().call(
                () -> BackupJob.<BackupJob>list("order by name").stream().map(JobResource::view).toList());
    }

    @Operation(operationId = "getJob", summary = "Get one job")
    @GET
    @Path("{id}")
    public JobResponse get(@PathParam("id") String id) {
        UUID jobId = Ids.path("job", id);
        return QuarkusTransaction.requiringNew().call(
                () -> view(BackupJob.byId(jobId).orElseThrow(() -> new NotFoundException("job", jobId))));
    }

    /** The job's runs, newest first, one page ({@link Paging}); {@code status} narrows it. */
    @Operation(operationId = "listJobRuns", summary = "List a job's runs, newest first")
    @GET
    @Path("{id}/runs")
    public RestResponse<List<RunSummary>> runs(@PathParam("id") String id, @QueryParam("status") String status,
            @QueryParam("limit") String limit, @QueryParam("after") String after, @Context UriInfo uri) {
        UUID jobId = Ids.path("job", id);
        if (QuarkusTransaction.requiringNew().call(() -> BackupJob.byId(jobId).isEmpty())) {
            throw new NotFoundException("job", jobId);
        }
        return RunResource.page(Keyset.of(BackupRun.class, "createdAt").where("jobId", jobId)
                .where("status", RunResource.status("status", status)), limit, after, uri, progress);
    }

    @APIResponse(responseCode = "201", description = "The job, scheduled; Location names it",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JobResponse.class)))
    @Operation(operationId = "createJob", summary = "Create a backup job")
    @RolesAllowed({Role.OPERATOR, Role.ADMIN})
    @POST
    public Response create(JobRequest body) {
        BackupJob job = jobs.create(spec(body));
        return Response.created(URI.create("/api/jobs/" + job.id)).entity(get(job.id.toString())).build();
    }

    @Operation(operationId = "updateJob", summary = "Replace a job")
    @RolesAllowed({Role.OPERATOR, Role.ADMIN})
    @PUT
    @Path("{id}")
    public JobResponse update(@PathParam("id") String id, JobRequest body) {
        BackupJob job = jobs.update(Ids.path("job", id), spec(body));
        return get(job.id.toString());
    }

    @APIResponse(responseCode = "204", description = "The job is gone")
    @Operation(operationId = "deleteJob", summary = "Delete a job")
    @RolesAllowed({Role.OPERATOR, Role.ADMIN})
    @DELETE
    @Path("{id}")
    public Response delete(@PathParam("id") String id) {
        jobs.delete(Ids.path("job", id));
        return Response.noContent().build();
    }

    @Operation(operationId = "enableJob", summary = "Enable a job's schedule")
    @RolesAllowed({Role.OPERATOR, Role.ADMIN})
    @POST
    @Path("{id}/enable")
    public JobResponse enable(@PathParam("id") String id) {
        return get(jobs.setEnabled(Ids.path("job", id), true).id.toString());
    }

    @Operation(operationId = "disableJob", summary = "Disable a job's schedule")
    @RolesAllowed({Role.OPERATOR, Role.ADMIN})
    @POST
    @Path("{id}/disable")
    public JobResponse disable(@PathParam("id") String id) {
        return get(jobs.setEnabled(Ids.path("job", id), false).id.toString());
    }

    /** Runs the job now for all its VMs; answers 202 with the runs started (and those skipped). */
    @APIResponse(responseCode = "202", description = "One run per VM of the job, queued",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(type = SchemaType.ARRAY, implementation = RunResponse.class)))
    @Operation(operationId = "runJob", summary = "Run a job now")
    @RolesAllowed({Role.OPERATOR, Role.ADMIN})
    @POST
    @Path("{id}/run")
    public Response run(@PathParam("id") String id) {
        List<BackupRun> runs = runner.runNow(Ids.path("job", id));
        return Response.accepted(runs.stream().map(r -> RunResponse.of(r, null)).toList()).build();
    }

    /**
     * What the job's retention keeps and removes per VM, with the rule that keeps each point; with {@code
     * points=removed} only the points removed are listed (a VM with years of points keeps thousands), beside
     * the counts of both.
     */
    @Operation(operationId = "pruneJob", summary = "Apply a job's retention now, or show what it would remove")
    @RolesAllowed({Role.OPERATOR, Role.ADMIN})
    @POST
    @Path("{id}/prune")
    public List<PruneResponse> prune(@PathParam("id") String id, @QueryParam("dryRun") @DefaultValue("true") boolean dryRun,
            @Parameter(description = "Which points to list per VM: all of them, or only those removed",
                    schema = @Schema(enumeration = {"all", "removed"}, defaultValue = "all"))
            @QueryParam("points") @DefaultValue("all") String points) {
        UUID jobId = Ids.path("job", id);
        boolean removedOnly = switch (points) {
            case "all" -> false;
            case "removed" -> true;
            default -> throw new InvalidRequestException("points", "must be 'all' or 'removed', not '" + points + "'");
        };
        Map<Vm, List<Retention.Decision>> decisions = jobs.prune(jobId, dryRun);
        List<PruneResponse> answer = new ArrayList<>();
        decisions.forEach((vm, decided) -> {
            int kept = (int) decided.stream().filter(Retention.Decision::keep).count();
            answer.add(new PruneResponse(vm.id, vm.name, dryRun, kept, decided.size() - kept, decided.stream()
                    .filter(d -> !removedOnly || !d.keep())
                    .map(d -> new PruneResponse.Point(d.id(), d.createdAt(), d.keep(), d.reasons(),
                            dryRun && !d.keep() ? RestorePoint.byId(d.id()).map(SharedStorage::freesAtMost).orElse(null) : null))
                    .toList()));
        });
        return answer;
    }

    private static JobService.JobSpec spec(JobRequest body) {
        if (body == null) {
            throw new InvalidRequestException("body", "a job is required");
        }
        return new JobService.JobSpec(body.name(), body.schedule(), body.timeZone(), body.vmIds(), body.vmNamePattern(),
                body.mode(), body.writer(), body.repositoryId(), body.retention(), body.enabled(), body.verifyAfter(),
                body.maxParallel(), body.minimumConsistency(), body.compareEvery(), body.bootTestAfter());
    }

    private static JobResponse view(BackupJob job) {
        List<JobResponse.LastRun> lastRuns = new ArrayList<>();
        for (Vm vm : JobRunner.vmsOf(job)) {
            BackupRun.lastOf(job.id, vm.id).ifPresentOrElse(
                    r -> lastRuns.add(new JobResponse.LastRun(vm.id, vm.name, r.id, r.status.name(), r.createdAt, r.error)),
                    () -> lastRuns.add(new JobResponse.LastRun(vm.id, vm.name, null, null, null, null)));
        }
        return JobResponse.of(job, job.enabled ? JobScheduler.nextFireTimes(job.schedule, job.timeZone, 5) : List.of(),
                lastRuns);
    }
}
