package io.stillpoint.backup;

import io.stillpoint.host.GuestState;
import io.stillpoint.host.HoldMode;

/** What a restore point promises about the state it captured. */
public enum Consistency {
    APPLICATION("application"),
    CRASH("crash"),
    SAVED_STATE("saved-state"),
    OFFLINE("offline");

    private final String id;

    Consistency(String id) {
        this.id = id;
    }

    public String id() {
        return id;
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
