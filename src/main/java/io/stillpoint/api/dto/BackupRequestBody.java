package io.stillpoint.api.dto;

import jakarta.validation.constraints.Positive;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * All optional: the mode defaults to {@code auto}, the writer to the host's, the repository to the
 * first, the bandwidth limit (bytes per second) to {@code stillpoint.copy.bandwidth-limit}.
 */
@Schema(example = "{\"mode\": \"save-state\", \"repositoryId\": \"3f2c1a9e-8b7d-4c6e-9f10-2a3b4c5d6e7f\", \"bandwidthLimit\": 104857600}")
public record BackupRequestBody(
        @Schema(enumeration = {"online", "pause", "save-state", "stop", "auto"}) String mode,
        String writer,
        UUID repositoryId,
        @Positive Long bandwidthLimit) {}
