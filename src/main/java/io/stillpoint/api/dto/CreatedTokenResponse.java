package io.stillpoint.api.dto;

import io.stillpoint.security.ApiToken;
import io.stillpoint.security.Role;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A token just made, with its secret: the only answer that ever carries it. */
public record CreatedTokenResponse(
        UUID id,
        String username,
        String name,
        @Schema(enumeration = {Role.ADMIN, Role.OPERATOR, Role.VIEWER}) String role,
        Instant createdAt,
        @Schema(nullable = true) Instant expiresAt,
        String secret) {

    public static CreatedTokenResponse of(ApiToken token, String secret) {
        return new CreatedTokenResponse(token.id, token.username, token.name, token.role, token.createdAt,
                token.expiresAt, secret);
    }
}
