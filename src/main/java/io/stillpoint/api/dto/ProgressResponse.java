package io.stillpoint.api.dto;

import io.stillpoint.copy.CopyProgress;

public record ProgressResponse(
        long bytesDone,
        long bytesTotal,
        long filesDone,
        long filesTotal,
        String currentFile,
        double bytesPerSecond,
        Long etaSeconds) {

    public static ProgressResponse of(CopyProgress p) {
        if (p == null) {
            return null;
        }
        return new ProgressResponse(p.bytesDone(), p.bytesTotal(), p.filesDone(), p.filesTotal(), p.currentFile(),
                p.bytesPerSecond(), p.eta() == null ? null : p.eta().toSeconds());
    }
}
