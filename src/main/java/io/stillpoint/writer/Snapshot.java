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

    @Override
    void close();
}
