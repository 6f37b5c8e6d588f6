package io.stillpoint.writer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The byte ranges of one file of a snapshot's view that may differ from the same file in the previous
 * snapshot, in the file's own offsets, sorted and not overlapping. A range may cover more than what
 * changed (whole clusters, chunks), never less: a byte outside every range is the same as before.
 *
 * @param length the file's length in the view; bytes past the previous copy's length are new whether
 *     a range lists them or not
 */
public record ChangedRanges(List<Range> ranges, long length) {

    /** {@code length} bytes from {@code offset}. */
    public record Range(long offset, long length) {

        public Range {
            if (offset < 0 || length <= 0) {
                throw new IllegalArgumentException("a range needs a non-negative offset and a positive length: "
                        + offset + "+" + length);
            }
        }

        public long end() {
            return offset + length;
        }
    }

    public ChangedRanges {
        List<Range> merged = new ArrayList<>();
        for (Range range : ranges.stream().sorted(Comparator.comparingLong(Range::offset)).toList()) {
            Range last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && range.offset() <= last.end()) {
                merged.set(merged.size() - 1, new Range(last.offset(), Math.max(last.end(), range.end()) - last.offset()));
            } else {
                merged.add(range);
            }
        }
        ranges = List.copyOf(merged);
    }

    /** How many bytes the ranges cover. */
    public long bytes() {
        return ranges.stream().mapToLong(Range::length).sum();
    }
}
