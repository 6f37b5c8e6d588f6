package io.stillpoint.restore;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** Where a restore puts a restore point back. */
public enum RestoreTarget {
    /** In place, over the VM's own folder; the VM must be OFF or be stopped first when asked. */
    ORIGINAL("original"),
    /** Into a new directory under one of the configured restore roots. */
    PATH("path"),
    /** As a new guest with its own identity, on the original host or another. */
    NEW_VM("new-vm");

    private final String id;

    RestoreTarget(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Optional<RestoreTarget> parse(String id) {
        return Arrays.stream(values()).filter(t -> t.id.equals(id)).findFirst();
    }

    public static String ids() {
        return Arrays.stream(values()).map(RestoreTarget::id).collect(Collectors.joining(", "));
    }
}
