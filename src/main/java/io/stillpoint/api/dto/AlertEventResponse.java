package io.stillpoint.api.dto;

import io.stillpoint.alert.AlertEvent;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** An alert as recorded, with the console page to look at. */
public record AlertEventResponse(
        UUID id,
        String type,
        @Schema(enumeration = {"info", "warning", "critical"}) String severity,
        Instant at,
        String summary,
        String link,
        String scope,
        @Schema(nullable = true) UUID vmId,
        @Schema(nullable = true) UUID jobId,
        @Schema(nullable = true) UUID runId,
        @Schema(nullable = true) UUID restorePointId,
        @Schema(nullable = true) UUID repositoryId,
        @Schema(nullable = true) String node) {

    public static AlertEventResponse of(AlertEvent e) {
        return new AlertEventResponse(e.id, e.type, e.severity, e.at, e.summary, e.link, e.scope, e.vmId, e.jobId,
                e.runId, e.restorePointId, e.repositoryId, e.node);
    }
}
