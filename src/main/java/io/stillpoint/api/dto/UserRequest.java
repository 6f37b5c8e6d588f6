package io.stillpoint.api.dto;

/** @param password 12 characters to 72 bytes (UTF-8); never returned or logged */
public record UserRequest(String username, String password, String role) {}
