package io.stillpoint.api.dto;

import io.stillpoint.repository.ManifestEntry;
import java.time.Instant;

/** One entry of a restore point, with its path relative to the VM's folder. */
public record FileResponse(String path, String type, long size, String sha256, String mode, String owner, String group,
        Instant modified, String linkTarget) {

    public static FileResponse of(String path, ManifestEntry e) {
        return new FileResponse(path, e.type().name(), e.size(), e.sha256(), e.mode(), e.owner(), e.group(), e.modified(),
                e.linkTarget());
    }
}
