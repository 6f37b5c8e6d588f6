package io.stillpoint.api.dto;

import io.stillpoint.boottest.BootTest;
import io.stillpoint.catalog.RestorePoint;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * @param createdAt the snapshot instant this restore point brings the VM back to
 * @param sizeBytes the logical size of the point's files: what a restore writes
 * @param bytesWritten new data the point added to the repository; the rest of its size it shares with other
 *     points through the file system (null for points made before incremental copies: they were full copies)
 * @param changeTracking how its run knew what changed: {@code bitmap}, {@code differencing}, {@code compare}, {@code none}
 * @param bootTest the point's newest boot test, null if it has had none
 */
public record RestorePointResponse(
        UUID id,
        UUID vmId,
        @Schema(nullable = true) String vmName,
        @Schema(nullable = true) UUID runId,
        Instant createdAt,
        String mode,
        String consistency,
        String writer,
        UUID repositoryId,
        String relativePath,
        long sizeBytes,
        long fileCount,
        String manifestSha256,
        boolean isProtected,
        @Schema(nullable = true) Instant verifiedAt,
        @Schema(nullable = true) String verifyStatus,
        @Schema(nullable = true) String verifyProblems,
        @Schema(nullable = true) String changeTracking,
        @Schema(nullable = true) Long bytesWritten,
        @Schema(nullable = true) Long bytesShared,
        @Schema(nullable = true) BootTestResponse bootTest) {

    public static RestorePointResponse of(RestorePoint p, String vmName) {
        return of(p, vmName, null);
    }

    /** @param bootTest the point's newest boot test, or null */
    public static RestorePointResponse of(RestorePoint p, String vmName, BootTest bootTest) {
        return new RestorePointResponse(p.id, p.vmId, vmName, p.runId, p.createdAt, p.mode, p.consistency, p.writer,
                p.repositoryId, p.relativePath, p.sizeBytes, p.fileCount, p.manifestSha256, p.isProtected, p.verifiedAt,
                p.verifyStatus, p.verifyProblems, p.changeTracking, p.bytesWritten, p.bytesShared,
                BootTestResponse.of(bootTest));
    }
}
