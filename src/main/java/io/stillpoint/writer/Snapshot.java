package io.stillpoint.writer;

import java.time.Instant;
import java.util.Map;

/** A point-in-time view of a guest's files. Closing it releases the snapshot. */
public interface Snapshot extends AutoCloseable {

    /** When the point in time was fixed. */
    Instant instant();

    /** The read-only view to copy from; valid until {@link #close()}. */
    SnapshotView view();

    /** Facts about the snapshot worth keeping with the restore point (shadow ids, sequence numbers). */
    Map<String, String> facts();

    /**
     * What the guest wrote between the snapshot whose {@link #facts()} were {@code previousFacts} (the VM's
     * previous restore point in the repository being written) and this one. Only a writer that tracks
     * writes across snapshots answers {@link ChangeTracking.Tracked}, and only when its facts prove that the
     * tracking covers every write in between.
     */
    default ChangeTracking changesSince(Map<String, String> previousFacts) {
        return new ChangeTracking.Untracked("the writer does not track the guest's writes");
    }

    @Override
    void close();
}
