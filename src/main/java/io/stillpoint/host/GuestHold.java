package io.stillpoint.host;

/**
 * A guest held still by {@link Hypervisor#hold}. Closing it puts the guest back into the state it
 * was in before the hold, and must be attempted on every path, failures included.
 */
public interface GuestHold extends AutoCloseable {

    HoldMode mode();

    /** The state the guest was in before the hold, and will be in again after {@link #close()}. */
    GuestState priorState();

    /** Resumes the guest. Idempotent: a second call does nothing. */
    @Override
    void close() throws HostException;
}
