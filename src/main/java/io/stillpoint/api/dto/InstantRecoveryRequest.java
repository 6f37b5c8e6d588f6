package io.stillpoint.api.dto;

/**
 * {@code POST /api/restore-points/{id}/instant-recovery}.
 *
 * @param name the new VM's name on its host
 * @param hostId the host to run it on; by default the restore point's VM's host
 */
public record InstantRecoveryRequest(String name, String hostId) {}
