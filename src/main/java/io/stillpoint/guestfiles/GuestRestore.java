package io.stillpoint.guestfiles;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A restore of guest files to a folder, as its caller sees it.
 *
 * @param status {@code STARTING} (waiting for the appliance), {@code RUNNING}, {@code SUCCEEDED}, {@code FAILED},
 *     {@code CANCELLED}
 * @param bytesTotal what the chosen files and folders use in the guest, a little more than their size
 */
public record GuestRestore(
        UUID id,
        UUID restorePointId,
        String fs,
        List<String> paths,
        String targetPath,
        String status,
        long bytesCopied,
        long bytesTotal,
        int itemsDone,
        @Schema(nullable = true) String error,
        @Schema(nullable = true) String requestedBy,
        Instant requestedAt,
        @Schema(nullable = true) Instant finishedAt) {}
