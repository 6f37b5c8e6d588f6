package io.stillpoint.guestfiles;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A restore of guest files to a folder, as its caller sees it.
 *
 * @param status {@code STARTING} (waiting for the appliance), {@code RUNNING}, {@code SUCCEEDED}, {@code FAILED},
 *     {@code CANCELLED}
 * @param bytesTotal what the chosen files and folders use in the guest, a little more than their size
 */
public record GuestRestore(UUID id, UUID restorePointId, String fs, List<String> paths, String targetPath,
        String status, long bytesCopied, long bytesTotal, int itemsDone, String error, String requestedBy,
        Instant requestedAt, Instant finishedAt) {}
