package io.stillpoint.backup;

import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.HoldMode;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** How a run holds the guest, as admins name it in requests and jobs. */
public enum BackupMode {
    ONLINE("online", HoldMode.FREEZE),
    PAUSE("pause", HoldMode.PAUSE),
    SAVE_STATE("save-state", HoldMode.SAVE_STATE),
    STOP("stop", HoldMode.STOP),
    /** {@code online} where the guest can quiesce, else {@code save-state}. */
    AUTO("auto", null);

    private final String id;
    private final HoldMode hold;

    BackupMode(String id, HoldMode hold) {
        this.id = id;
        this.hold = hold;
    }

    public String id() {
        return id;
    }

    public HoldMode holdFor(GuestInfo guest) {
        if (this == AUTO) {
            return guest.canQuiesce() ? HoldMode.FREEZE : HoldMode.SAVE_STATE;
        }
        return hold;
    }

    public static BackupMode of(HoldMode hold) {
        return Arrays.stream(values()).filter(m -> m.hold == hold).findFirst().orElseThrow();
    }

    public static Optional<BackupMode> parse(String id) {
        return Arrays.stream(values()).filter(m -> m.id.equals(id)).findFirst();
    }

    public static String ids() {
        return Arrays.stream(values()).map(BackupMode::id).collect(Collectors.joining(", "));
    }
}
