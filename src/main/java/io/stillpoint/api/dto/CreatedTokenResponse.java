package io.stillpoint.api.dto;

import io.stillpoint.security.ApiToken;
import java.time.Instant;
import java.util.UUID;

/** A token just made, with its secret: the only answer that ever carries it. */
public record CreatedTokenResponse(UUID id, String username, String name, String role, Instant createdAt,
        Instant expiresAt, String secret) {

    public static CreatedTokenResponse of(ApiToken token, String secret) {
        return new CreatedTokenResponse(token.id, token.username, token.name, token.role, token.createdAt,
                token.expiresAt, secret);
    }
}
