package io.stillpoint.api.dto;

/** @param maxPointAge an ISO 8601 duration ({@code PT26H}, {@code P7D}), or null to remove the VM's own bound */
public record ProtectionRequest(String maxPointAge) {}
