package io.stillpoint.copy;

import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;

/**
 * A token bucket shared by all copy threads. Reservations may overdraw it; the debt is paid by the
 * caller sleeping, which keeps the long-run rate exact even with several threads.
 */
final class Throttle {

    private static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final long bytesPerSecond;
    private final double burst;
    private double tokens;
    private long refilledAt = System.nanoTime();

    private Throttle(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
        // A quarter second of burst smooths 1 MiB reads without letting the rate overshoot visibly.
        this.burst = Math.max(bytesPerSecond / 4.0, 1);
        this.tokens = burst;
    }

    /** {@code null} when there is no limit, so the copy loop pays nothing for the feature. */
    static Throttle of(long bytesPerSecond) {
        return bytesPerSecond > 0 ? new Throttle(bytesPerSecond) : null;
    }

    /** Blocks until {@code bytes} may be copied; wakes every 100 ms to honour cancellation. */
    void acquire(long bytes, Runnable checkpoint) {
        long waitNanos = reserve(bytes);
        long until = System.nanoTime() + waitNanos;
        while (waitNanos > 0) {
            checkpoint.run();
            try {
                TimeUnit.NANOSECONDS.sleep(Math.min(waitNanos, SLICE_NANOS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("interrupted while throttled");
            }
            waitNanos = until - System.nanoTime();
        }
    }

    private synchronized long reserve(long bytes) {
        long now = System.nanoTime();
        tokens = Math.min(burst, tokens + (now - refilledAt) * bytesPerSecond / 1e9);
        refilledAt = now;
        tokens -= bytes;
        return tokens >= 0 ? 0 : (long) (-tokens * 1e9 / bytesPerSecond);
    }
}
