package io.stillpoint.api.dto;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** @param maxPointAge an ISO 8601 duration ({@code PT26H}, {@code P7D}), or null to remove the VM's own bound */
@Schema(example = "{\"maxPointAge\": \"PT26H\"}")
public record ProtectionRequest(String maxPointAge) {}
