package io.stillpoint.api.dto;

import java.time.Instant;

/**
 * @param role at most the caller's own role (a token's role, when a token makes another)
 * @param expiresAt optional; in the future
 */
public record TokenRequest(String name, String role, Instant expiresAt) {}
