package io.stillpoint.api.dto;

import io.stillpoint.security.AppUser;
import java.time.Instant;

public record UserResponse(String username, String role, Instant createdAt) {

    public static UserResponse of(AppUser user) {
        return new UserResponse(user.username, user.role, user.createdAt);
    }
}
