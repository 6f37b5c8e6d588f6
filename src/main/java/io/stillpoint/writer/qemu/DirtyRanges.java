package io.stillpoint.writer.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import io.stillpoint.writer.ChangedRanges;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Turns a dirty bitmap's guest ranges into the byte ranges of a qcow2 file that may differ from its copy
 * at the bitmap's start: the host clusters holding dirty guest data, plus every byte of the file that is
 * not mapped guest data (header, L1/L2 and refcount tables, stored bitmaps, clusters freed or leaked), as
 * any of that may have changed with the writes. A clean guest cluster keeps its host offset and its bytes.
 */
final class DirtyRanges {

    private DirtyRanges() {}

    /**
     * @param dirtyMap {@code qemu-img map --output=json} of an NBD export with {@code x-dirty-bitmap}, where
     *     a dirty guest range reads as {@code "data": false}
     * @param hostMap {@code qemu-img map --output=json} of the qcow2 file: guest ranges and where their data
     *     lies in the file
     * @param fileLength the file's length
     */
    static ChangedRanges of(JsonNode dirtyMap, JsonNode hostMap, long fileLength) {
        List<long[]> dirty = new ArrayList<>();
        for (JsonNode extent : dirtyMap) {
            if (!extent.path("data").asBoolean(true)) {
                dirty.add(new long[] {extent.path("start").asLong(), extent.path("start").asLong()
                        + extent.path("length").asLong()});
            }
        }
        dirty.sort(Comparator.comparingLong(r -> r[0]));
        List<long[]> mapped = new ArrayList<>();
        for (JsonNode extent : hostMap) {
            // Only data in this very file counts as mapped; zero clusters and a backing file's data do not.
            if (extent.path("data").asBoolean(false) && extent.has("offset") && extent.path("depth").asInt(0) == 0) {
                mapped.add(new long[] {extent.path("start").asLong(), extent.path("length").asLong(),
                        extent.path("offset").asLong()});
            }
        }
        mapped.sort(Comparator.comparingLong(r -> r[0]));
        List<ChangedRanges.Range> ranges = new ArrayList<>();
        int first = 0;
        for (long[] data : mapped) {
            long guestStart = data[0];
            long guestEnd = data[0] + data[1];
            while (first < dirty.size() && dirty.get(first)[1] <= guestStart) {
                first++;
            }
            for (int i = first; i < dirty.size() && dirty.get(i)[0] < guestEnd; i++) {
                long from = Math.max(guestStart, dirty.get(i)[0]);
                long to = Math.min(guestEnd, dirty.get(i)[1]);
                if (from < to) {
                    ranges.add(new ChangedRanges.Range(data[2] + (from - guestStart), to - from));
                }
            }
        }
        List<long[]> hostData = mapped.stream().map(m -> new long[] {m[2], m[2] + m[1]})
                .sorted(Comparator.comparingLong(r -> r[0])).toList();
        long at = 0;
        for (long[] data : hostData) {
            long gapEnd = Math.min(data[0], fileLength);
            if (gapEnd > at) {
                ranges.add(new ChangedRanges.Range(at, gapEnd - at));
            }
            at = Math.max(at, data[1]);
            if (at >= fileLength) {
                break;
            }
        }
        if (at < fileLength) {
            ranges.add(new ChangedRanges.Range(at, fileLength - at));
        }
        return new ChangedRanges(ranges, fileLength);
    }
}
