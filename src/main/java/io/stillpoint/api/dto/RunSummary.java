package io.stillpoint.api.dto;

import io.stillpoint.catalog.BackupRun;
import io.stillpoint.copy.CopyProgress;
import java.time.Instant;
import java.util.UUID;

/**
 * A backup run as a list shows it, with the live copy figures while it copies, and the node that ran it (in
 * a cluster, which server's log to read); its phase timings and live progress details are on
 * {@code GET /api/runs/{id}}.
 */
public record RunSummary(
        UUID id,
        UUID vmId,
        UUID jobId,
        UUID repositoryId,
        Instant scheduledFor,
        String status,
        String phase,
        String requestedMode,
        String mode,
        String consistency,
        String node,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        Long downtimeMillis,
        long bytesTotal,
        long bytesCopied,
        long filesTotal,
        long filesCopied,
        UUID restorePointId,
        String error,
        String changeTracking,
        String changeTrackingReason,
        Long bytesRead,
        Long bytesWritten,
        Long bytesShared) {

    public static RunSummary of(BackupRun r, CopyProgress live) {
        return new RunSummary(r.id, r.vmId, r.jobId, r.repositoryId, r.scheduledFor, r.status.name(), r.phase,
                r.requestedMode, r.mode, r.consistency, r.node, r.createdAt, r.startedAt, r.finishedAt, r.downtimeMillis,
                live != null ? live.bytesTotal() : r.bytesTotal, live != null ? live.bytesDone() : r.bytesCopied,
                live != null ? live.filesTotal() : r.filesTotal, live != null ? live.filesDone() : r.filesCopied,
                r.restorePointId, r.error, r.changeTracking, r.changeTrackingReason, r.bytesRead, r.bytesWritten,
                r.bytesShared);
    }
}
