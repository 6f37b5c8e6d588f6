package io.stillpoint.host;

/**
 * What every adapter's hold shares: its mode, the state it found, and a {@link #close()} that resumes
 * once. A resume that fails leaves the hold open, so a retry or the watchdog can try again; the
 * guest is never left held because a first attempt threw.
 */
public abstract class AbstractGuestHold implements GuestHold {

    private final HoldMode mode;
    private final GuestState prior;
    private boolean closed;

    /** @param nothingHeld the guest was not running, so there is nothing to resume */
    protected AbstractGuestHold(HoldMode mode, GuestState prior, boolean nothingHeld) {
        this.mode = mode;
        this.prior = prior;
        this.closed = nothingHeld;
    }

    @Override
    public final HoldMode mode() {
        return mode;
    }

    @Override
    public final GuestState priorState() {
        return prior;
    }

    @Override
    public final synchronized void close() {
        if (closed) {
            return;
        }
        resume();
        closed = true;
    }

    /** Puts the guest back as it was before the hold; called until it returns normally. */
    protected abstract void resume();
}
