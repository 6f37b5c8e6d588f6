package io.stillpoint.host.simulated;

import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What {@link SimulatedDisks#check} found in a disk's journal region.
 *
 * @param journalBlocks how many blocks the region holds (the last that many writes survive)
 * @param validBlocks blocks with a correct magic, checksum and position
 * @param invalidBlocks torn or foreign blocks: neither empty nor valid
 * @param minSequence lowest valid sequence number, 0 when there is none
 * @param maxSequence highest valid sequence number, 0 when there is none
 * @param sequences every valid sequence number found
 */
public record DiskCheck(
        int journalBlocks,
        int validBlocks,
        int invalidBlocks,
        long minSequence,
        long maxSequence,
        SortedSet<Long> sequences) {

    public DiskCheck {
        sequences = Collections.unmodifiableSortedSet(new TreeSet<>(sequences));
    }

    /**
     * Whether the disk is exactly the guest's disk after its write number {@code sequence}: every block
     * valid, nothing later, and the region holding precisely the last writes up to it. A copy taken
     * without a true point in time fails this: it mixes blocks from before and after.
     */
    public boolean isPointInTime(long sequence) {
        if (invalidBlocks != 0 || maxSequence != sequence) {
            return false;
        }
        long first = Math.max(1, sequence - journalBlocks + 1);
        return sequence == 0
                ? sequences.isEmpty()
                : sequences.size() == sequence - first + 1 && sequences.first() == first;
    }
}
