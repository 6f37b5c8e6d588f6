package io.stillpoint.guestfiles;

import java.util.UUID;

/** The restore point's appliance is starting; ask again after {@link #retryAfterSeconds()}. Answered 202. */
public class ApplianceStartingException extends RuntimeException {

    private final long retryAfterSeconds;

    public ApplianceStartingException(UUID pointId, long retryAfterSeconds) {
        super("the appliance that reads restore point " + pointId + " is starting; ask again in about "
                + retryAfterSeconds + " s");
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
