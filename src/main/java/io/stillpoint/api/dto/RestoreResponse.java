package io.stillpoint.api.dto;

import io.stillpoint.catalog.Restore;
import io.stillpoint.copy.CopyProgress;
import java.time.Instant;
import java.util.UUID;

public record RestoreResponse(
        UUID id,
        UUID restorePointId,
        UUID vmId,
        String target,
        String targetPath,
        boolean startAfter,
        boolean stopVm,
        String status,
        String requestedBy,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        long bytesTotal,
        long bytesCopied,
        long filesCopied,
        String error,
        ProgressResponse progress) {

    public static RestoreResponse of(Restore r, CopyProgress live) {
        return new RestoreResponse(r.id, r.restorePointId, r.vmId, r.target, r.targetPath, r.startAfter, r.stopVm,
                r.status.name(), r.requestedBy, r.createdAt, r.startedAt, r.finishedAt, r.bytesTotal, r.bytesCopied,
                r.filesCopied, r.error, ProgressResponse.of(live));
    }
}
