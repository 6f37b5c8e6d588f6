package io.stillpoint.host.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One asynchronous QMP event.
 *
 * @param sequence the client's running number of events, to wait for events after a given point
 * @param data the event's {@code data} member; an empty object for events that carry none ({@code STOP},
 *     {@code RESUME})
 * @param timestamp when QEMU emitted the event, to the microsecond, by QEMU's own clock
 */
public record QmpEvent(long sequence, String name, JsonNode data, Instant timestamp) {

    /** {@code data.<field>} as text, or {@code ""}: job events name the job in different fields. */
    public String text(String field) {
        JsonNode value = data.get(field);
        return value == null || value.isNull() ? "" : value.asText();
    }
}
