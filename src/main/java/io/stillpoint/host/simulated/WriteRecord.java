package io.stillpoint.host.simulated;

import java.util.List;
import java.util.Map;

/**
 * What a guest's disks recorded of its writes in one tracking generation, handed over when a snapshot ends
 * that generation and starts the next one.
 *
 * @param generation the generation the snapshot started: it records every write after the snapshot instant
 * @param ended the generation that recorded the writes up to the snapshot instant; null when none did
 * @param untrackedReason why {@code ended} does not provably cover every write it should, or null when it does
 * @param written per disk file name, the byte ranges the guest wrote in {@code ended}, in whole blocks
 */
public record WriteRecord(String generation, String ended, String untrackedReason, Map<String, List<Extent>> written) {

    /** {@code length} bytes from {@code offset} of a disk file. */
    public record Extent(long offset, long length) {}

    public WriteRecord {
        written = Map.copyOf(written);
    }
}
