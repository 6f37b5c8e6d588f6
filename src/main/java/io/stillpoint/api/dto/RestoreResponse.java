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
        boolean keepPrevious,
        boolean forced,
        UUID hostId,
        String newVmName,
        UUID newVmId,
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
                r.keepPrevious, r.forced, r.hostId, r.newVmName, r.newVmId, r.status.name(), r.requestedBy, r.createdAt, r.startedAt, r.finishedAt, r.bytesTotal, r.bytesCopied,
                r.filesCopied, r.error, ProgressResponse.of(live));
    }
}
