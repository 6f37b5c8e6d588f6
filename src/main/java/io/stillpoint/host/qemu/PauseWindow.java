package io.stillpoint.host.qemu;

import java.time.Duration;
import java.time.Instant;

/**
 * How long a guest's vCPUs were stopped, as QEMU reports it ({@code STOP} to {@code RESUME} event
 * timestamps) and as Stillpoint measured it (from sending {@code stop} to {@code cont}'s answer).
 */
public record PauseWindow(Instant stopped, Instant resumed, long measuredNanos) {

    public Duration byQemu() {
        return Duration.between(stopped, resumed);
    }

    public Duration measured() {
        return Duration.ofNanos(measuredNanos);
    }
}
