package io.stillpoint.api.dto;

/** A type of alert a rule can name, with the severity its events have. */
public record EventTypeResponse(String id, String severity, String description) {}
