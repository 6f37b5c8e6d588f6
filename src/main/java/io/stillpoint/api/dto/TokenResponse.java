package io.stillpoint.api.dto;

import io.stillpoint.security.ApiToken;
import io.stillpoint.security.Role;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** An API token as listed: never its secret nor its hash. */
public record TokenResponse(
        UUID id,
        String username,
        String name,
        @Schema(enumeration = {Role.ADMIN, Role.OPERATOR, Role.VIEWER}) String role,
        Instant createdAt,
        @Schema(nullable = true) Instant expiresAt,
        @Schema(nullable = true) Instant lastUsedAt) {

    public static TokenResponse of(ApiToken token) {
        return new TokenResponse(token.id, token.username, token.name, token.role, token.createdAt, token.expiresAt,
                token.lastUsedAt);
    }
}
