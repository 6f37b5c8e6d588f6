package io.stillpoint.api.dto;

import io.stillpoint.catalog.BackupRun;
import io.stillpoint.copy.CopyProgress;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** A backup run; while it copies, {@code progress} holds the live figures. */
public record RunResponse(
        UUID id,
        UUID vmId,
        UUID jobId,
        UUID repositoryId,
        Instant scheduledFor,
        String status,
        String phase,
        String requestedMode,
        String mode,
        String writer,
        String consistency,
        String node,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        Long downtimeMillis,
        Map<String, Long> phaseMillis,
        long bytesTotal,
        long bytesCopied,
        long filesTotal,
        long filesCopied,
        UUID restorePointId,
        String error,
        ProgressResponse progress) {

    public static RunResponse of(BackupRun r, CopyProgress live) {
        long bytesTotal = live != null ? live.bytesTotal() : r.bytesTotal;
        long bytesCopied = live != null ? live.bytesDone() : r.bytesCopied;
        long filesTotal = live != null ? live.filesTotal() : r.filesTotal;
        long filesCopied = live != null ? live.filesDone() : r.filesCopied;
        return new RunResponse(r.id, r.vmId, r.jobId, r.repositoryId, r.scheduledFor, r.status.name(), r.phase, r.requestedMode, r.mode,
                r.writer, r.consistency, r.node, r.createdAt, r.startedAt, r.finishedAt, r.downtimeMillis, r.phaseMillis,
                bytesTotal, bytesCopied, filesTotal, filesCopied, r.restorePointId, r.error, ProgressResponse.of(live));
    }
}
