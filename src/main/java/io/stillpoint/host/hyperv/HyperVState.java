package io.stillpoint.host.hyperv;

import io.stillpoint.host.GuestState;
import java.util.Locale;
import java.util.Optional;

/**
 * Hyper-V's {@code VMState} as {@code Get-VM} reports it. The {@code *Critical} variants mean the VM's
 * storage cannot be reached; transitional states settle by themselves and are waited out.
 */
enum HyperVState {
    OTHER(null),
    RUNNING(GuestState.RUNNING),
    OFF(GuestState.OFF),
    STOPPING(null),
    SAVED(GuestState.SAVED),
    PAUSED(GuestState.PAUSED),
    STARTING(null),
    RESET(null),
    SAVING(null),
    PAUSING(null),
    RESUMING(null),
    FAST_SAVED(GuestState.SAVED),
    FAST_SAVING(null);

    private final GuestState stable;

    HyperVState(GuestState stable) {
        this.stable = stable;
    }

    /** The guest state, or empty while the VM is between two states. */
    Optional<GuestState> stable() {
        return Optional.ofNullable(stable);
    }

    /** A reported state such as {@code Running}, {@code FastSaving} or {@code PausedCritical}. */
    record Reported(HyperVState state, boolean critical) {}

    static Reported parse(String reported) {
        String name = reported.trim();
        boolean critical = name.endsWith("Critical");
        if (critical) {
            name = name.substring(0, name.length() - "Critical".length());
        }
        String constant = name.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
        for (HyperVState state : values()) {
            if (state.name().equals(constant)) {
                return new Reported(state, critical);
            }
        }
        throw new IllegalArgumentException("unknown Hyper-V VM state '" + reported + "'");
    }
}
