package io.stillpoint.host;

/** What a hypervisor adapter can do, as data, so callers never test adapter types. */
public record HostCapabilities(
        boolean canFreeze, boolean canPause, boolean canSaveState, boolean canStop, boolean canCreateGuests) {

    public boolean supports(HoldMode mode) {
        return switch (mode) {
            case FREEZE -> canFreeze;
            case PAUSE -> canPause;
            case SAVE_STATE -> canSaveState;
            case STOP -> canStop;
        };
    }
}
