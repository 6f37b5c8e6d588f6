package io.stillpoint.backup;

import java.time.Instant;
import java.util.UUID;

/**
 * A validated request to back up one VM.
 *
 * @param bandwidthLimit bytes per second for the copy, or null for the server's default
 * @param minimumConsistency the least the run may record, or null
 * @param scheduledFor for a scheduled run, the fire it belongs to
 */
public record BackupRequest(UUID vmId, BackupMode mode, String writer, UUID repositoryId, UUID jobId, Long bandwidthLimit,
        Consistency minimumConsistency, Instant scheduledFor) {

    public static BackupRequest now(UUID vmId, BackupMode mode, String writer, UUID repositoryId, Long bandwidthLimit) {
        return new BackupRequest(vmId, mode, writer, repositoryId, null, bandwidthLimit, null, null);
    }
}
