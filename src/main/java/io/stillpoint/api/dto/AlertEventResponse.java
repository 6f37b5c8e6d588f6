package io.stillpoint.api.dto;

import io.stillpoint.alert.AlertEvent;
import java.time.Instant;
import java.util.UUID;

/** An alert as recorded, with the console page to look at. */
public record AlertEventResponse(UUID id, String type, String severity, Instant at, String summary, String link,
        String scope, UUID vmId, UUID jobId, UUID runId, UUID restorePointId, UUID repositoryId, String node) {

    public static AlertEventResponse of(AlertEvent e) {
        return new AlertEventResponse(e.id, e.type, e.severity, e.at, e.summary, e.link, e.scope, e.vmId, e.jobId,
                e.runId, e.restorePointId, e.repositoryId, e.node);
    }
}
