package io.stillpoint.host;

/** What a hypervisor adapter can do, as data, so callers never test adapter types. */
public record HostCapabilities(
        boolean canFreeze,
        boolean canPause,
        boolean canSaveState,
        boolean canStop,
        boolean canCreateGuests,
        boolean canRegisterGuests) {

    /** A host that creates its guests, or has them all already, and registers none. */
    public HostCapabilities(boolean canFreeze, boolean canPause, boolean canSaveState, boolean canStop,
            boolean canCreateGuests) {
        this(canFreeze, canPause, canSaveState, canStop, canCreateGuests, false);
    }

    public boolean supports(HoldMode mode) {
        return switch (mode) {
            case FREEZE -> canFreeze;
            case PAUSE -> canPause;
            case SAVE_STATE -> canSaveState;
            case STOP -> canStop;
        };
    }
}
