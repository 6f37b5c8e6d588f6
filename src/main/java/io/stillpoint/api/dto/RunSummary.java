package io.stillpoint.api.dto;

import io.stillpoint.catalog.BackupRun;
import io.stillpoint.catalog.RunStatus;
import io.stillpoint.copy.CopyProgress;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A backup run as a list shows it, with the live copy figures while it copies, and the node that ran it (in
 * a cluster, which server's log to read); its phase timings and live progress details are on
 * {@code GET /api/runs/{id}}.
 */
public record RunSummary(
        UUID id,
        UUID vmId,
        @Schema(nullable = true) UUID jobId,
        @Schema(nullable = true) UUID repositoryId,
        @Schema(nullable = true) Instant scheduledFor,
        @Schema(implementation = RunStatus.class) String status,
        @Schema(nullable = true) String phase,
        @Schema(nullable = true) String requestedMode,
        @Schema(nullable = true) String mode,
        @Schema(nullable = true) String consistency,
        @Schema(nullable = true) String node,
        Instant createdAt,
        @Schema(nullable = true) Instant startedAt,
        @Schema(nullable = true) Instant finishedAt,
        @Schema(nullable = true) Long downtimeMillis,
        long bytesTotal,
        long bytesCopied,
        long filesTotal,
        long filesCopied,
        @Schema(nullable = true) UUID restorePointId,
        @Schema(nullable = true) String error,
        @Schema(nullable = true) String changeTracking,
        @Schema(nullable = true) String changeTrackingReason,
        @Schema(nullable = true) Long bytesRead,
        @Schema(nullable = true) Long bytesWritten,
        @Schema(nullable = true) Long bytesShared) {

    public static RunSummary of(BackupRun r, CopyProgress live) {
        return new RunSummary(r.id, r.vmId, r.jobId, r.repositoryId, r.scheduledFor, r.status.name(), r.phase,
                r.requestedMode, r.mode, r.consistency, r.node, r.createdAt, r.startedAt, r.finishedAt, r.downtimeMillis,
                live != null ? live.bytesTotal() : r.bytesTotal, live != null ? live.bytesDone() : r.bytesCopied,
                live != null ? live.filesTotal() : r.filesTotal, live != null ? live.filesDone() : r.filesCopied,
                r.restorePointId, r.error, r.changeTracking, r.changeTrackingReason, r.bytesRead, r.bytesWritten,
                r.bytesShared);
    }
}
