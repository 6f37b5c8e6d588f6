package io.stillpoint.api.dto;

import io.stillpoint.catalog.BackupRun;
import io.stillpoint.catalog.RunStatus;
import io.stillpoint.copy.CopyProgress;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A backup run; while it copies, {@code progress} holds the live figures.
 *
 * @param changeTracking how the run knew what changed since the VM's previous point in the repository:
 *     {@code bitmap}, {@code differencing}, {@code compare}, or {@code none} for a first point
 * @param changeTrackingReason why a better way could not be used, or null
 * @param bytesRead bytes read from the snapshot (null for runs made before incremental copies)
 * @param bytesWritten new data physically written to the repository
 * @param bytesShared data taken over from the previous point by block clone or hard link
 */
public record RunResponse(
        UUID id,
        UUID vmId,
        @Schema(nullable = true) UUID jobId,
        @Schema(nullable = true) UUID repositoryId,
        @Schema(nullable = true) Instant scheduledFor,
        @Schema(implementation = RunStatus.class) String status,
        @Schema(nullable = true) String phase,
        @Schema(nullable = true) String requestedMode,
        @Schema(nullable = true) String mode,
        @Schema(nullable = true) String writer,
        @Schema(nullable = true) String consistency,
        @Schema(nullable = true) String node,
        Instant createdAt,
        @Schema(nullable = true) Instant startedAt,
        @Schema(nullable = true) Instant finishedAt,
        @Schema(nullable = true) Long downtimeMillis,
        @Schema(nullable = true) Map<String, Long> phaseMillis,
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
        @Schema(nullable = true) Long bytesShared,
        @Schema(nullable = true) ProgressResponse progress) {

    public static RunResponse of(BackupRun r, CopyProgress live) {
        long bytesTotal = live != null ? live.bytesTotal() : r.bytesTotal;
        long bytesCopied = live != null ? live.bytesDone() : r.bytesCopied;
        long filesTotal = live != null ? live.filesTotal() : r.filesTotal;
        long filesCopied = live != null ? live.filesDone() : r.filesCopied;
        return new RunResponse(r.id, r.vmId, r.jobId, r.repositoryId, r.scheduledFor, r.status.name(), r.phase, r.requestedMode, r.mode,
                r.writer, r.consistency, r.node, r.createdAt, r.startedAt, r.finishedAt, r.downtimeMillis, r.phaseMillis,
                bytesTotal, bytesCopied, filesTotal, filesCopied, r.restorePointId, r.error, r.changeTracking, r.changeTrackingReason, r.bytesRead, r.bytesWritten,
                r.bytesShared, ProgressResponse.of(live));
    }
}
