package io.stillpoint.api.dto;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * What a job's retention keeps and removes for one VM, and the rules that keep each point.
 *
 * @param kept how many of the VM's points the retention keeps
 * @param removed how many it removes (in a dry run: would remove)
 * @param points each point's decision; only the removed ones when asked for with {@code points=removed}
 */
public record PruneResponse(UUID vmId, String vmName, boolean dryRun, int kept, int removed, List<Point> points) {

    /**
     * @param freesAtMostBytes in a dry run, for a point that would be removed: the most space its removal can
     *     give back (points share unchanged data, so removing one frees only what no other point holds)
     */
    public record Point(
            UUID restorePointId,
            Instant createdAt,
            boolean keep,
            List<String> keptBy,
            @Schema(nullable = true) Long freesAtMostBytes) {}
}
