package io.stillpoint.restore;

import java.util.UUID;

/** A validated request to restore a restore point. */
public record RestoreRequest(UUID restorePointId, RestoreTarget target, String path, boolean startAfter, boolean stopVm) {}
