package io.stillpoint.repository;

import io.stillpoint.copy.CopiedEntry;
import io.stillpoint.copy.EntryType;
import java.time.Instant;

/**
 * One entry of a restore point, relative to the restore point's directory.
 *
 * @param mode POSIX permission bits in octal, e.g. {@code "0640"}
 */
public record ManifestEntry(
        String path,
        EntryType type,
        long size,
        String sha256,
        String linkTarget,
        String mode,
        String owner,
        String group,
        Instant modified,
        Instant accessed) {

    public static ManifestEntry of(String prefix, CopiedEntry e) {
        String linkTarget = e.type() == EntryType.HARDLINK ? prefix + e.linkTarget() : e.linkTarget();
        return new ManifestEntry(prefix + e.path(), e.type(), e.size(), e.sha256(), linkTarget,
                String.format("%04o", e.mode()), e.owner(), e.group(), e.modified(), e.accessed());
    }
}
