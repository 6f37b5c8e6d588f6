package io.stillpoint.api.dto;

import io.stillpoint.catalog.RestorePoint;
import java.time.Instant;
import java.util.UUID;

/**
 * A restore point as a list shows it; its details (path, manifest digest, verify problems, boot test
 * evidence) are on {@code GET /api/restore-points/{id}}.
 *
 * @param bootTestStatus the status of the point's newest boot test, null if it has had none
 */
public record RestorePointSummary(
        UUID id,
        UUID vmId,
        String vmName,
        UUID runId,
        Instant createdAt,
        String mode,
        String consistency,
        String writer,
        UUID repositoryId,
        long sizeBytes,
        long fileCount,
        boolean isProtected,
        Instant verifiedAt,
        String verifyStatus,
        String changeTracking,
        Long bytesWritten,
        Long bytesShared,
        String bootTestStatus) {

    public static RestorePointSummary of(RestorePoint p, String vmName, String bootTestStatus) {
        return new RestorePointSummary(p.id, p.vmId, vmName, p.runId, p.createdAt, p.mode, p.consistency, p.writer,
                p.repositoryId, p.sizeBytes, p.fileCount, p.isProtected, p.verifiedAt, p.verifyStatus, p.changeTracking,
                p.bytesWritten, p.bytesShared, bootTestStatus);
    }
}
