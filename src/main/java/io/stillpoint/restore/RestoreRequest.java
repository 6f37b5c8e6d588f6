package io.stillpoint.restore;

import java.util.UUID;

/**
 * A validated request to restore a restore point.
 *
 * @param path for {@link RestoreTarget#PATH}: the directory to create under a restore root
 * @param hostId for {@link RestoreTarget#NEW_VM}: the host to create it on, null for the original's
 * @param name for {@link RestoreTarget#NEW_VM}: the new guest's name
 * @param keepPrevious for {@link RestoreTarget#ORIGINAL}: keep the replaced folder beside the guest
 * @param force restore even though the restore point's last verify failed
 * @param idempotencyKey the client's {@code Idempotency-Key}, or null
 */
public record RestoreRequest(
        UUID restorePointId,
        RestoreTarget target,
        String path,
        UUID hostId,
        String name,
        boolean startAfter,
        boolean stopVm,
        boolean keepPrevious,
        boolean force,
        String requestedBy,
        String idempotencyKey) {

    /** What makes two requests with one idempotency key the same request. */
    public String digest() {
        return String.join("|", String.valueOf(restorePointId), target.id(), String.valueOf(path), String.valueOf(hostId),
                String.valueOf(name), String.valueOf(startAfter), String.valueOf(stopVm), String.valueOf(keepPrevious),
                String.valueOf(force));
    }
}
