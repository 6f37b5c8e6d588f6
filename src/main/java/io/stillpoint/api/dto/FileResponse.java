package io.stillpoint.api.dto;

import io.stillpoint.copy.EntryType;
import io.stillpoint.repository.ManifestEntry;
import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One entry of a restore point, with its path relative to the VM's folder.
 *
 * @param digest a file's content digest in {@code digestAlgorithm}; null for directories and links
 * @param digestAlgorithm how {@code digest} was computed, e.g. {@code sha256-chunked-1MiB} (SHA-256 over the
 *     SHA-256 of each 1 MiB chunk, which is not what {@code sha256sum} prints for the file)
 */
public record FileResponse(
        String path,
        String type,
        long size,
        @Schema(nullable = true) String digest,
        @Schema(nullable = true) String digestAlgorithm,
        @Schema(nullable = true) String mode,
        @Schema(nullable = true) String owner,
        @Schema(nullable = true) String group,
        @Schema(nullable = true) Instant modified,
        @Schema(nullable = true) String linkTarget) {

    public static FileResponse of(String path, ManifestEntry e, String digestAlgorithm) {
        boolean file = e.type() == EntryType.FILE;
        return new FileResponse(path, e.type().name(), e.size(), file ? e.sha256() : null, file ? digestAlgorithm : null,
                e.mode(), e.owner(), e.group(), e.modified(), e.linkTarget());
    }
}
