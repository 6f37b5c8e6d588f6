package io.stillpoint.host;

/**
 * A hypervisor call failed. {@link #transientFailure()} says whether trying again may help (a timeout, a
 * busy socket) or not (the guest is gone, the operation is not supported).
 */
public class HostException extends RuntimeException {

    private final boolean transientFailure;

    public HostException(String message, boolean transientFailure, Throwable cause) {
        super(message, cause);
        this.transientFailure = transientFailure;
    }

    public HostException(String message) {
        this(message, false, null);
    }

    public boolean transientFailure() {
        return transientFailure;
    }
}
