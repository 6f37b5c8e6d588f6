package io.stillpoint.writer;

/** A writer failed; the message says which step and why, in the writer's own words where it has them. */
public class SnapshotException extends RuntimeException {

    public SnapshotException(String message) {
        super(message);
    }

    public SnapshotException(String message, Throwable cause) {
        super(message, cause);
    }
}
