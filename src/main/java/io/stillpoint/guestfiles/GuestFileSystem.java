package io.stillpoint.guestfiles;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A file system found on a restore point's disks.
 *
 * @param device how libguestfs names it ({@code /dev/sda1}, {@code /dev/vg/root}); the {@code fs} of the other calls
 * @param mountPoint where the guest's operating system mounts it, when inspection recognised one
 * @param problem why it cannot be opened (encrypted, swap, unknown), else null
 */
public record GuestFileSystem(
        String device,
        String type,
        @Schema(nullable = true) String label,
        @Schema(nullable = true) Long sizeBytes,
        @Schema(nullable = true) String mountPoint,
        @Schema(nullable = true) String operatingSystem,
        @Schema(nullable = true) String problem) {}
