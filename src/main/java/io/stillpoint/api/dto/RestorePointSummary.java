package io.stillpoint.api.dto;

import io.stillpoint.boottest.BootTest;
import io.stillpoint.catalog.RestorePoint;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A restore point as a list shows it; its details (path, manifest digest, verify problems, boot test
 * evidence) are on {@code GET /api/restore-points/{id}}.
 *
 * @param bootTestStatus the status of the point's newest boot test, null if it has had none
 */
public record RestorePointSummary(
        UUID id,
        UUID vmId,
        @Schema(nullable = true) String vmName,
        @Schema(nullable = true) UUID runId,
        Instant createdAt,
        String mode,
        String consistency,
        String writer,
        UUID repositoryId,
        long sizeBytes,
        long fileCount,
        boolean isProtected,
        @Schema(nullable = true) Instant verifiedAt,
        @Schema(nullable = true) String verifyStatus,
        @Schema(nullable = true) String changeTracking,
        @Schema(nullable = true) Long bytesWritten,
        @Schema(nullable = true) Long bytesShared,
        @Schema(nullable = true, enumeration = {BootTest.RUNNING, BootTest.PASSED, BootTest.FAILED, BootTest.CANCELLED}) String bootTestStatus) {

    public static RestorePointSummary of(RestorePoint p, String vmName, String bootTestStatus) {
        return new RestorePointSummary(p.id, p.vmId, vmName, p.runId, p.createdAt, p.mode, p.consistency, p.writer,
                p.repositoryId, p.sizeBytes, p.fileCount, p.isProtected, p.verifiedAt, p.verifyStatus, p.changeTracking,
                p.bytesWritten, p.bytesShared, bootTestStatus);
    }
}
