package io.stillpoint.copy;

/**
 * @param bandwidthBytesPerSecond upper bound for the copy's rate, or 0 for none
 * @param fsync whether every written file and directory is forced to disk before the copy returns
 * @param threads how many files are copied at once, and how many threads hash chunks of large files
 */
public record CopyOptions(long bandwidthBytesPerSecond, boolean fsync, int threads) {

    public CopyOptions {
        if (bandwidthBytesPerSecond < 0) {
            throw new IllegalArgumentException("bandwidthBytesPerSecond must be 0 (no limit) or positive");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1");
        }
    }

    public CopyOptions(long bandwidthBytesPerSecond, boolean fsync) {
        this(bandwidthBytesPerSecond, fsync, defaultThreads());
    }

    public static CopyOptions defaults() {
        return new CopyOptions(0, true);
    }

    /** One per core, at most four: beyond that a copy competes with the rest of the server for disk. */
    static int defaultThreads() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }
}
