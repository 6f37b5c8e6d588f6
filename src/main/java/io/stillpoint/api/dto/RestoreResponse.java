package io.stillpoint.api.dto;

import io.stillpoint.catalog.Restore;
import io.stillpoint.catalog.RunStatus;
import io.stillpoint.copy.CopyProgress;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

public record RestoreResponse(
        UUID id,
        @Schema(nullable = true) UUID restorePointId,
        UUID vmId,
        String target,
        @Schema(nullable = true) String targetPath,
        boolean startAfter,
        boolean stopVm,
        boolean keepPrevious,
        boolean forced,
        @Schema(nullable = true) UUID hostId,
        @Schema(nullable = true) String newVmName,
        @Schema(nullable = true) UUID newVmId,
        @Schema(implementation = RunStatus.class) String status,
        @Schema(nullable = true) String requestedBy,
        Instant createdAt,
        @Schema(nullable = true) Instant startedAt,
        @Schema(nullable = true) Instant finishedAt,
        long bytesTotal,
        long bytesCopied,
        long filesCopied,
        @Schema(nullable = true) String error,
        @Schema(nullable = true) ProgressResponse progress) {

    public static RestoreResponse of(Restore r, CopyProgress live) {
        return new RestoreResponse(r.id, r.restorePointId, r.vmId, r.target, r.targetPath, r.startAfter, r.stopVm,
                r.keepPrevious, r.forced, r.hostId, r.newVmName, r.newVmId, r.status.name(), r.requestedBy, r.createdAt, r.startedAt, r.finishedAt, r.bytesTotal, r.bytesCopied,
                r.filesCopied, r.error, ProgressResponse.of(live));
    }
}
