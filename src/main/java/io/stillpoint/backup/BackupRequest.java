package io.stillpoint.backup;

import java.util.UUID;

/** A validated request to back up one VM. */
/** @param bandwidthLimit bytes per second for the copy, or null for the server's default */
public record BackupRequest(UUID vmId, BackupMode mode, String writer, UUID repositoryId, UUID jobId, Long bandwidthLimit) {}
