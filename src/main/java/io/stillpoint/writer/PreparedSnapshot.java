package io.stillpoint.writer;

/** A snapshot ready to be taken. Closing it without {@link #create()} undoes the preparation. */
public interface PreparedSnapshot extends AutoCloseable {

    /** Takes the snapshot: the point in time. Called while the guest is held. */
    Snapshot create();

    @Override
    void close();
}
