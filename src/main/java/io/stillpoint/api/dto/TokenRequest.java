package io.stillpoint.api.dto;

import io.stillpoint.security.Role;
import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * @param role at most the caller's own role (a token's role, when a token makes another)
 * @param expiresAt optional; in the future
 */
@Schema(example = "{\"name\": \"ansible\", \"role\": \"operator\", \"expiresAt\": \"2027-12-31T00:00:00Z\"}")
public record TokenRequest(
        String name,
        @Schema(enumeration = {Role.ADMIN, Role.OPERATOR, Role.VIEWER}) String role,
        Instant expiresAt) {}
