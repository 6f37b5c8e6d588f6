package io.stillpoint.api.dto;

import io.stillpoint.catalog.InstantRecovery;
import io.stillpoint.copy.CopyProgress;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * An instant recovery: {@code state} is STARTING, RUNNING (from the restore point), FINALIZING (its disks
 * being moved; {@code progress} says how far), FINALIZED (an ordinary VM of its host), FAILED or DISCARDED.
 */
public record InstantRecoveryResponse(
        UUID id,
        UUID restorePointId,
        UUID hostId,
        String name,
        @Schema(nullable = true) UUID vmId,
        @Schema(implementation = InstantRecovery.State.class) String state,
        @Schema(nullable = true) String error,
        @Schema(nullable = true) String finalizePath,
        @Schema(nullable = true) String requestedBy,
        Instant createdAt,
        @Schema(nullable = true) Instant startedAt,
        @Schema(nullable = true) Instant finalizeStartedAt,
        @Schema(nullable = true) Instant finishedAt,
        @Schema(nullable = true) Long bytesTotal,
        @Schema(nullable = true) Long bytesMoved,
        @Schema(nullable = true) ProgressResponse progress) {

    public static InstantRecoveryResponse of(InstantRecovery r, CopyProgress live) {
        return new InstantRecoveryResponse(r.id, r.restorePointId, r.hostId, r.name, r.vmId, r.state.name(), r.error,
                r.finalizePath, r.requestedBy, r.createdAt, r.startedAt, r.finalizeStartedAt, r.finishedAt, r.bytesTotal,
                live != null ? Long.valueOf(live.bytesDone()) : r.bytesMoved, ProgressResponse.of(live));
    }
}
