package io.stillpoint.api.dto;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** What a job's retention keeps and removes for one VM, and the rules that keep each point. */
public record PruneResponse(UUID vmId, String vmName, boolean dryRun, List<Point> points) {

    public record Point(UUID restorePointId, Instant createdAt, boolean keep, List<String> keptBy) {}
}
