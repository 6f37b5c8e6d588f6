package io.stillpoint.config;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A task a node runs on a daemon thread of its own, every interval after the previous run ended (so runs never
 * overlap), until {@link #close()}. The task must catch its own failures: one that escapes ends the repetition.
 */
public final class Periodic implements AutoCloseable {

    private final ScheduledExecutorService timer;

    private Periodic(String thread, Duration interval, Runnable task) {
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread daemon = new Thread(r, thread);
            daemon.setDaemon(true);
            return daemon;
        });
        timer.scheduleWithFixedDelay(task, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Starts running {@code task} every {@code interval}, the first time one interval from now. */
    public static Periodic every(String thread, Duration interval, Runnable task) {
        return new Periodic(thread, interval, task);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
