package io.stillpoint.api.dto;

import io.stillpoint.copy.CopyProgress;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

public record ProgressResponse(
        long bytesDone,
        long bytesTotal,
        long filesDone,
        long filesTotal,
        @Schema(nullable = true) String currentFile,
        double bytesPerSecond,
        @Schema(nullable = true) Long etaSeconds) {

    public static ProgressResponse of(CopyProgress p) {
        if (p == null) {
            return null;
        }
        return new ProgressResponse(p.bytesDone(), p.bytesTotal(), p.filesDone(), p.filesTotal(), p.currentFile(),
                p.bytesPerSecond(), p.eta() == null ? null : p.eta().toSeconds());
    }
}
