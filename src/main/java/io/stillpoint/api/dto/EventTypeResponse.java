package io.stillpoint.api.dto;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A type of alert a rule can name, with the severity its events have. */
public record EventTypeResponse(
        String id,
        @Schema(enumeration = {"info", "warning", "critical"}) String severity,
        String description) {}
