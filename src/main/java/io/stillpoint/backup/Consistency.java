package io.stillpoint.backup;

import io.stillpoint.host.GuestState;
import io.stillpoint.host.HoldMode;

/** What a restore point promises about the state it captured. */
public enum Consistency {
    APPLICATION("application", 3),
    CRASH("crash", 1),
    SAVED_STATE("saved-state", 2),
    OFFLINE("offline", 3);

    private final String id;
    private final int rank;

    Consistency(String id, int rank) {
        this.id = id;
        this.rank = rank;
    }

    public String id() {
        return id;
    }

    /**
     * Whether a restore point of this consistency satisfies a demand for {@code minimum}: crash is
     * the least, saved-state (memory kept, file systems not flushed) above it, and application and
     * offline (flushed by the guest itself, or shut down) the most.
     */
    public boolean satisfies(Consistency minimum) {
        return rank >= minimum.rank;
    }

    public static java.util.Optional<Consistency> parse(String id) {
        return java.util.Arrays.stream(values()).filter(c -> c.id.equals(id)).findFirst();
    }

    public static String ids() {
        return java.util.Arrays.stream(values()).map(Consistency::id).collect(java.util.stream.Collectors.joining(", "));
    }

    /** For a guest that was RUNNING and held in this mode. */
    public static Consistency of(HoldMode hold) {
        return switch (hold) {
            case FREEZE -> APPLICATION;
            case PAUSE -> CRASH;
            case SAVE_STATE -> SAVED_STATE;
            case STOP -> OFFLINE;
        };
    }

    /** For a guest that was already still when the run found it. */
    public static Consistency ofStill(GuestState state) {
        return switch (state) {
            case OFF -> OFFLINE;
            case SAVED -> SAVED_STATE;
            case PAUSED, RUNNING -> CRASH;
        };
    }
}
