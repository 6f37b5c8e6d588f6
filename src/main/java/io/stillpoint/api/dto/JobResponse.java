package io.stillpoint.api.dto;

import io.stillpoint.catalog.BackupJob;
import io.stillpoint.schedule.JobService;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * @param vmNamePattern a glob matched against whole VM names
 * @param legacyVmNameRegex set only on a job an upgrade disabled: the start of the regular expression it
 *     picked VMs by, which has no glob equivalent; the job runs again once it is given a glob (or vmIds)
 * @param nextFireTimes the next five fires (none while disabled)
 * @param lastRuns the newest run of each VM the job covers
 */
public record JobResponse(
        UUID id,
        String name,
        String schedule,
        String timeZone,
        List<UUID> vmIds,
        @Schema(nullable = true) String vmNamePattern,
        @Schema(nullable = true) String legacyVmNameRegex,
        @Schema(enumeration = {"online", "pause", "save-state", "stop", "auto"}) String mode,
        @Schema(nullable = true) String writer,
        @Schema(nullable = true) UUID repositoryId,
        Map<String, Integer> retention,
        boolean enabled,
        boolean verifyAfter,
        int maxParallel,
        @Schema(nullable = true) String minimumConsistency,
        @Schema(nullable = true) Integer compareEvery,
        Instant createdAt,
        Instant updatedAt,
        List<Instant> nextFireTimes,
        List<LastRun> lastRuns,
        boolean bootTestAfter) {

    public record LastRun(
            UUID vmId,
            String vmName,
            @Schema(nullable = true) UUID runId,
            @Schema(nullable = true) String status,
            @Schema(nullable = true) Instant createdAt,
            @Schema(nullable = true) String error) {}

    public static JobResponse of(BackupJob j, List<Instant> nextFireTimes, List<LastRun> lastRuns) {
        return new JobResponse(j.id, j.name, j.schedule, j.timeZone, j.vmIds, j.vmNamePattern,
                j.legacyVmNameRegex == null ? null : JobService.excerpt(j.legacyVmNameRegex), j.mode, j.writer,
                j.repositoryId, j.retention, j.enabled, j.verifyAfter, j.maxParallel, j.minimumConsistency, j.compareEvery, j.createdAt,
                j.updatedAt, nextFireTimes, lastRuns, j.bootTestAfter);
    }
}
