package io.stillpoint.guestfiles;

/** Every appliance this node may run is in use; answered 503 with a {@code Retry-After}. */
public class AppliancesBusyException extends RuntimeException {

    public AppliancesBusyException(int max) {
        super("all " + max + " guest file appliances (stillpoint.guest-files.max-appliances) are in use; ask again"
                + " when one is idle");
    }
}
