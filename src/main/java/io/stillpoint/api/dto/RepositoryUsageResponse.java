package io.stillpoint.api.dto;

import io.stillpoint.catalog.RepositoryUsage;
import java.time.Instant;

/**
 * @param usedBytes physical use of the repository's file system at that time; null if it could not be read
 * @param logicalBytes the sum of the repository's restore points' sizes at that time
 */
public record RepositoryUsageResponse(Instant sampledAt, Long usedBytes, long logicalBytes) {

    public static RepositoryUsageResponse of(RepositoryUsage sample) {
        return new RepositoryUsageResponse(sample.sampledAt, sample.usedBytes, sample.logicalBytes);
    }
}
