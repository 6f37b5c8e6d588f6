package io.stillpoint.guestfiles;

import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One entry of a guest's folder, as the guest has it.
 *
 * @param type {@code file}, {@code directory}, {@code symlink} or {@code other}
 * @param mode the permission bits in octal, e.g. {@code "0644"}
 * @param uid the owner's numeric id in the guest
 * @param linkTarget where a symbolic link points, as written in the guest; else null
 */
public record GuestEntry(
        String name,
        String type,
        long size,
        String mode,
        long uid,
        long gid,
        Instant modified,
        @Schema(nullable = true) String linkTarget) {}
