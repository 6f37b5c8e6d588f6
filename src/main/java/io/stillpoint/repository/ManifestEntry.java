package io.stillpoint.repository;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.stillpoint.copy.AccessEntry;
import io.stillpoint.copy.CopiedEntry;
import io.stillpoint.copy.EntryType;
import java.time.Instant;
import java.util.List;

/**
 * One entry of a restore point, relative to the restore point's directory.
 *
 * <p>{@code created}, {@code dos} and {@code acl} are written only for a copy from a file store
 * without POSIX attributes (Windows); manifests written before they existed read them as {@code null}.
 *
 * @param mode POSIX permission bits in octal, e.g. {@code "0640"}; {@code null} on Windows
 * @param created the creation time
 * @param dos the DOS flags as {@code attrib} letters: R read-only, H hidden, S system, A archive
 * @param acl the Windows ACL (DACL) in order
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
        Instant accessed,
        @JsonInclude(JsonInclude.Include.NON_NULL) Instant created,
        @JsonInclude(JsonInclude.Include.NON_NULL) String dos,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<AccessEntry> acl) {

    public static ManifestEntry of(String prefix, CopiedEntry e) {
        String linkTarget = e.type() == EntryType.HARDLINK ? prefix + e.linkTarget() : e.linkTarget();
        return new ManifestEntry(prefix + e.path(), e.type(), e.size(), e.sha256(), linkTarget,
                e.mode() == null ? null : String.format("%04o", e.mode()), e.owner(), e.group(), e.modified(),
                e.accessed(), e.created(), e.dos(), e.acl());
    }
}
