package io.stillpoint.api.dto;

import io.stillpoint.security.Role;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** @param password 12 characters to 72 bytes (UTF-8); never returned or logged */
@Schema(example = "{\"username\": \"alice\", \"password\": \"correct-horse-battery\", \"role\": \"operator\"}")
public record UserRequest(
        String username,
        String password,
        @Schema(enumeration = {Role.ADMIN, Role.OPERATOR, Role.VIEWER}) String role) {}
