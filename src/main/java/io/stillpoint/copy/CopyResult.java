package io.stillpoint.copy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a copy did.
 *
 * @param bytesCopied the logical size of the regular files copied (holes included)
 * @param bytesRead bytes read from the source: data only, holes and chunks known unchanged are not read
 * @param bytesWritten new data physically written into the target
 * @param bytesShared logical data bytes (holes excluded) taken over from a previous point by clone or hard link
 * @param chunkDigests every copied regular file's chunk digests in order ({@link ContentDigest}), keyed like
 *     {@link #entries()}; a zero chunk's digest is one shared array that no one may change
 * @param notes why sharing with a previous point did not happen where it was asked for, such as a file
 *     system that cannot clone; empty without a baseline
 */
public record CopyResult(
        List<CopiedEntry> entries,
        List<SkippedEntry> skipped,
        long bytesCopied,
        long filesCopied,
        Duration elapsed,
        long bytesRead,
        long bytesWritten,
        long bytesShared,
        Map<String, List<byte[]>> chunkDigests,
        List<String> notes) {

    public CopyResult {
        entries = List.copyOf(entries);
        skipped = List.copyOf(skipped);
        chunkDigests = Collections.unmodifiableMap(new LinkedHashMap<>(chunkDigests));
        notes = List.copyOf(notes);
    }

    /**
     * This result with {@code grafted}, a folder copied from elsewhere into {@code at} of the same target,
     * added: its entries and chunk digests named by their place in this copy, its counters added.
     */
    public CopyResult graft(String at, CopyResult grafted) {
        List<CopiedEntry> allEntries = new ArrayList<>(entries);
        grafted.entries().forEach(e -> allEntries.add(e.at(at + "/" + e.path())));
        List<SkippedEntry> allSkipped = new ArrayList<>(skipped);
        allSkipped.addAll(grafted.skipped());
        Map<String, List<byte[]>> allDigests = new LinkedHashMap<>(chunkDigests);
        grafted.chunkDigests().forEach((path, digests) -> allDigests.put(at + "/" + path, digests));
        List<String> allNotes = new ArrayList<>(notes);
        allNotes.addAll(grafted.notes());
        return new CopyResult(allEntries, allSkipped, bytesCopied + grafted.bytesCopied(),
                filesCopied + grafted.filesCopied(), elapsed.plus(grafted.elapsed()), bytesRead + grafted.bytesRead(),
                bytesWritten + grafted.bytesWritten(), bytesShared + grafted.bytesShared(), allDigests, allNotes);
    }
}
