package io.stillpoint.copy;

import java.util.concurrent.CancellationException;

/** Set once by whoever wants a copy to stop; the copier checks it between chunks. */
public final class CancellationSignal {

    private volatile String reason;

    public void cancel(String why) {
        if (reason == null) {
            reason = why;
        }
    }

    public boolean isCancelled() {
        return reason != null;
    }

    public void throwIfCancelled() {
        if (reason != null) {
            throw new CancellationException(reason);
        }
    }
}
