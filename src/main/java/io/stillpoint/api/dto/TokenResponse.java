package io.stillpoint.api.dto;

import io.stillpoint.security.ApiToken;
import java.time.Instant;
import java.util.UUID;

/** An API token as listed: never its secret nor its hash. */
public record TokenResponse(UUID id, String username, String name, String role, Instant createdAt, Instant expiresAt,
        Instant lastUsedAt) {

    public static TokenResponse of(ApiToken token) {
        return new TokenResponse(token.id, token.username, token.name, token.role, token.createdAt, token.expiresAt,
                token.lastUsedAt);
    }
}
