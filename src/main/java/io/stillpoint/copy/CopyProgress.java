package io.stillpoint.copy;

import java.time.Duration;

/**
 * A snapshot of a copy's progress.
 *
 * @param eta estimated time left, or {@code null} while the rate is not known yet
 */
public record CopyProgress(
        long bytesDone,
        long bytesTotal,
        long filesDone,
        long filesTotal,
        String currentFile,
        double bytesPerSecond,
        Duration eta) {}
