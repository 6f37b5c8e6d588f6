package io.stillpoint.api.dto;

import java.util.UUID;

import jakarta.validation.constraints.Positive;

/**
 * All optional: the mode defaults to {@code auto}, the writer to the host's, the repository to the
 * first, the bandwidth limit (bytes per second) to {@code stillpoint.copy.bandwidth-limit}.
 */
public record BackupRequestBody(String mode, String writer, UUID repositoryId, @Positive Long bandwidthLimit) {}
