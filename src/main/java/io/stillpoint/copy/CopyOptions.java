package io.stillpoint.copy;

/**
 * @param bandwidthBytesPerSecond upper bound for the copy's rate, or 0 for none
 * @param fsync whether every written file and directory is forced to disk before the copy returns
 */
public record CopyOptions(long bandwidthBytesPerSecond, boolean fsync) {

    public static CopyOptions defaults() {
        return new CopyOptions(0, true);
    }
}
