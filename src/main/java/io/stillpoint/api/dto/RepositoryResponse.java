package io.stillpoint.api.dto;

import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.repository.RepositorySpace;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * @param totalBytes the size of the repository's file system, or -1 if unknown
 * @param usableBytes free space for the server on the repository's file system, or -1 if unknown
 * @param usedBytes space in use on the repository's file system (physical: blocks shared by several points
 *     count once), or -1 if unknown; a repository on a file system of its own shows what its points cost
 * @param logicalBytes the sum of its restore points' sizes, what restoring each of them would write
 * @param blockClone whether points in it share unchanged blocks by reflink (XFS with reflink, btrfs); false:
 *     unchanged files are hard links and changed files are written whole; null until probed
 */
public record RepositoryResponse(
        UUID id,
        String name,
        String path,
        Instant createdAt,
        long totalBytes,
        long usableBytes,
        long usedBytes,
        long logicalBytes,
        long restorePoints,
        @Schema(nullable = true) Boolean blockClone,
        @Schema(nullable = true) Instant blockCloneCheckedAt) {

    public static RepositoryResponse of(BackupRepository r) {
        Optional<RepositorySpace> space = RepositorySpace.of(r.root());
        RestorePoint.Totals points = RestorePoint.totalsIn(r.id);
        return new RepositoryResponse(r.id, r.name, r.path, r.createdAt, space.map(RepositorySpace::totalBytes).orElse(-1L),
                space.map(RepositorySpace::usableBytes).orElse(-1L), space.map(RepositorySpace::usedBytes).orElse(-1L),
                points.logicalBytes(),
                points.count(), r.blockClone, r.blockCloneCheckedAt);
    }
}
