package io.stillpoint.copy;

import java.time.Duration;
import java.util.List;

public record CopyResult(
        List<CopiedEntry> entries, List<SkippedEntry> skipped, long bytesCopied, long filesCopied, Duration elapsed) {

    public CopyResult {
        entries = List.copyOf(entries);
        skipped = List.copyOf(skipped);
    }
}
