package io.stillpoint.writer;

import java.util.Map;

/**
 * What a writer knows of the writes a guest made between an earlier snapshot and this one.
 *
 * <p>A writer answers {@link Tracked} only when its tracking provably covers every write since the
 * earlier snapshot (the same bitmap generation or differencing chain that snapshot's facts recorded);
 * otherwise {@link Untracked} with the reason, and the run compares chunk digests instead. A lost or
 * doubtful tracking state costs one slower run, never a wrong restore point.
 */
public sealed interface ChangeTracking {

    /**
     * @param kind how the changes were tracked, recorded on the run: {@code bitmap} (QEMU dirty bitmaps),
     *     {@code differencing} (the simulated host's differencing disks)
     * @param files for each tracked file, by its path relative to the view's root ({@code /}-separated),
     *     the ranges that may differ; a file not listed here is not tracked and is compared instead
     */
    record Tracked(String kind, Map<String, ChangedRanges> files) implements ChangeTracking {

        public Tracked {
            files = Map.copyOf(files);
        }
    }

    /** @param reason why the writer cannot say, e.g. "bitmap inconsistent: QEMU stopped without saving it" */
    record Untracked(String reason) implements ChangeTracking {}
}
