package io.stillpoint.api.dto;

import io.stillpoint.security.AppUser;
import io.stillpoint.security.Role;
import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

public record UserResponse(
        String username,
        @Schema(enumeration = {Role.ADMIN, Role.OPERATOR, Role.VIEWER}) String role,
        Instant createdAt) {

    public static UserResponse of(AppUser user) {
        return new UserResponse(user.username, user.role, user.createdAt);
    }
}
