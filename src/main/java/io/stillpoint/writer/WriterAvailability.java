package io.stillpoint.writer;

import java.util.Map;

/**
 * Whether a writer can be used on this server, and if not, why.
 *
 * @param details facts an admin needs, e.g. the VSS writer id
 */
public record WriterAvailability(boolean available, String reason, Map<String, String> details) {

    public static WriterAvailability ready(Map<String, String> details) {
        return new WriterAvailability(true, null, Map.copyOf(details));
    }

    public static WriterAvailability unavailable(String reason, Map<String, String> details) {
        return new WriterAvailability(false, reason, Map.copyOf(details));
    }
}
