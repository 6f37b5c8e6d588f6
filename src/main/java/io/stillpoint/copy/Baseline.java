package io.stillpoint.copy;

import io.stillpoint.writer.ChangedRanges;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The previous restore point of the same VM, as far as an incremental copy needs it: where its copy of the
 * tree lies, how to share with it, what its files were (from its manifest and chunk index, never by reading
 * them), and optionally what changed since.
 *
 * <p>Points stay independent: there is no chain of increments to replay. Every point is a complete, plain
 * folder; unchanged data is shared by the file system (a reflink clone shares extents, a hard link shares the
 * inode), which counts references, so deleting any point in any order leaves the others whole. That is why the
 * copier never writes into {@link #root()}: a byte written there would change every point that shares it.
 *
 * @param root the previous point's copy of the same tree (e.g. {@code <point>/files}); read-only to the copier:
 *     it opens a file there only as the source of a clone and links to files there, nothing else
 * @param files previous files by path relative to {@code root}, {@code /}-separated (only those whose chunk
 *     digests checked out)
 * @param changes {@code null}: compare every file by chunk digests; else tracked: a file in the map differs
 *     from its previous copy at most in those ranges (plus bytes past the previous length); a file absent from
 *     the map is compared. Ranges that miss a change are the change tracker's fault: the copy would keep the
 *     previous bytes there and record their digest.
 */
public record Baseline(Path root, Sharing sharing, Map<String, PreviousFile> files, Map<String, ChangedRanges> changes) {

    public Baseline {
        files = Map.copyOf(files);
        changes = changes == null ? null : Map.copyOf(changes);
    }

    /** The same previous files, with what a writer tracked of the changes since them. */
    public Baseline tracked(Map<String, ChangedRanges> trackedChanges) {
        return new Baseline(root, sharing, files, trackedChanges);
    }

    /**
     * The baseline of a subtree, keys re-rooted, for a folder copied into {@code prefix}: {@code root} becomes
     * {@code root/prefix} and only keys under {@code prefix/} remain, without it. E.g. a baseline of a whole
     * point keyed by manifest paths, {@code under("files")}, is the baseline of the VM's folder.
     */
    public Baseline under(String prefix) {
        String stripped = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        String start = stripped + "/";
        return new Baseline(root.resolve(stripped), sharing, reRoot(files, start), changes == null ? null : reRoot(changes, start));
    }

    private static <V> Map<String, V> reRoot(Map<String, V> byPath, String start) {
        Map<String, V> under = new HashMap<>();
        byPath.forEach((path, value) -> {
            if (path.startsWith(start) && path.length() > start.length()) {
                under.put(path.substring(start.length()), value);
            }
        });
        return under;
    }
}
