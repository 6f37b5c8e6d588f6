package io.stillpoint.api.dto;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** @param password 12 characters to 72 bytes (UTF-8); never returned or logged */
@Schema(example = "{\"username\": \"alice\", \"password\": \"correct-horse-battery\", \"role\": \"operator\"}")
public record UserRequest(String username, String password, String role) {}
