package io.stillpoint.alert;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** How urgent an alert is; a channel's rule takes events of its severity and above. */
public enum Severity {
    INFO("info"),
    WARNING("warning"),
    CRITICAL("critical");

    private final String id;

    Severity(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public boolean atLeast(Severity other) {
        return compareTo(other) >= 0;
    }

    public static Optional<Severity> parse(String id) {
        return Arrays.stream(values()).filter(s -> s.id.equals(id)).findFirst();
    }

    public static String ids() {
        return Arrays.stream(values()).map(Severity::id).collect(Collectors.joining(", "));
    }
}
