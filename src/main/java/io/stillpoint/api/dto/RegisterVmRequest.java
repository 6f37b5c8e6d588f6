package io.stillpoint.api.dto;

import jakarta.validation.constraints.NotBlank;

/**
 * A running guest to register on a host that registers guests (QEMU): the QMP socket Stillpoint may keep
 * for itself, and optionally the host end of the guest agent's channel, QEMU's pid file and a name (QEMU's
 * {@code -name} otherwise).
 */
public record RegisterVmRequest(@NotBlank String qmpSocket, String guestAgentSocket, String pidFile, String name) {}
