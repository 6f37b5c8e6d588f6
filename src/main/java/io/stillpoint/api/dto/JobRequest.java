package io.stillpoint.api.dto;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A backup job as a request gives it.
 *
 * @param schedule a Quartz cron expression, e.g. {@code "0 0 2 * * ?"} (02:00 every day)
 * @param timeZone the zone the schedule and the retention periods are read in; default UTC
 * @param vmNamePattern a glob matched against whole VM names, case-sensitively: {@code *} any run of
 *     characters, {@code ?} one, {@code [abc]}/{@code [a-z]} one of a set, {@code [!abc]} one not in it, a
 *     backslash escapes; at most 128 characters
 * @param retention {@code keepLast}, {@code keepHourly}, {@code keepDaily}, {@code keepWeekly},
 *     {@code keepMonthly}, {@code keepYearly}
 * @param minimumConsistency fail a run rather than record less: {@code crash}, {@code saved-state},
 *     {@code application} or {@code offline}
 * @param compareEvery at least every Nth restore point of a VM is made by comparing chunk digests even when
 *     the writer tracked the guest's writes, the safety net against a change-tracking bug; null or absent:
 *     only when tracking is missing
 */
@Schema(example = "{\"name\": \"nightly\", \"schedule\": \"0 0 2 * * ?\", \"timeZone\": \"Europe/Berlin\", \"vmNamePattern\": \"web*\", \"mode\": \"auto\", \"repositoryId\": \"3f2c1a9e-8b7d-4c6e-9f10-2a3b4c5d6e7f\", \"retention\": {\"keepLast\": 7, \"keepDaily\": 14, \"keepWeekly\": 8}, \"enabled\": true, \"verifyAfter\": true}")
public record JobRequest(
        String name,
        String schedule,
        String timeZone,
        List<UUID> vmIds,
        @Schema(nullable = true) String vmNamePattern,
        @Schema(enumeration = {"online", "pause", "save-state", "stop", "auto"}) String mode,
        @Schema(nullable = true) String writer,
        @Schema(nullable = true) UUID repositoryId,
        Map<String, Integer> retention,
        Boolean enabled,
        Boolean verifyAfter,
        Integer maxParallel,
        @Schema(nullable = true) String minimumConsistency,
        @Schema(nullable = true) Integer compareEvery,
        Boolean bootTestAfter) {}
