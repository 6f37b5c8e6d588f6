package io.stillpoint.api.dto;

/** @param password at least 12 characters; never returned or logged */
public record UserRequest(String username, String password, String role) {}
