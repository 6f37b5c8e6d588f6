package io.stillpoint.api.dto;

import io.stillpoint.catalog.RepositoryUsage;
import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * @param usedBytes physical use of the repository's file system at that time; null if it could not be read
 * @param logicalBytes the sum of the repository's restore points' sizes at that time
 */
public record RepositoryUsageResponse(
        Instant sampledAt,
        @Schema(nullable = true) Long usedBytes,
        long logicalBytes) {

    public static RepositoryUsageResponse of(RepositoryUsage sample) {
        return new RepositoryUsageResponse(sample.sampledAt, sample.usedBytes, sample.logicalBytes);
    }
}
