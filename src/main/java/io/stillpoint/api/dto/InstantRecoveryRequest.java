package io.stillpoint.api.dto;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * {@code POST /api/restore-points/{id}/instant-recovery}.
 *
 * @param name the new VM's name on its host
 * @param hostId the host to run it on; by default the restore point's VM's host
 */
@Schema(example = "{\"name\": \"db01-recovered\"}")
public record InstantRecoveryRequest(String name, String hostId) {}
