package io.stillpoint.copy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts bytes and files from all copy threads and reports at most four times a second. Holes count
 * as done when they are passed, so the rate of a sparse image can exceed the disk's.
 */
final class ProgressMeter {

    private static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final CopyListener listener;
    private final long bytesTotal;
    private final long filesTotal;
    private final long startedAt = System.nanoTime();
    private final AtomicLong bytesDone = new AtomicLong();
    private final AtomicLong filesDone = new AtomicLong();
    private final AtomicLong nextReportAt = new AtomicLong(startedAt + INTERVAL_NANOS);
    private volatile String currentFile = "";

    ProgressMeter(CopyListener listener, long bytesTotal, long filesTotal) {
        this.listener = listener;
        this.bytesTotal = bytesTotal;
        this.filesTotal = filesTotal;
    }

    void startFile(String path) {
        currentFile = path;
        maybeReport();
    }

    void addBytes(long bytes) {
        bytesDone.addAndGet(bytes);
        maybeReport();
    }

    void fileDone() {
        filesDone.incrementAndGet();
        maybeReport();
    }

    /** The final report, sent whatever the interval. */
    void finish() {
        listener.onProgress(snapshot(System.nanoTime()));
    }

    private void maybeReport() {
        long now = System.nanoTime();
        long due = nextReportAt.get();
        if (now - due >= 0 && nextReportAt.compareAndSet(due, now + INTERVAL_NANOS)) {
            listener.onProgress(snapshot(now));
        }
    }

    private CopyProgress snapshot(long now) {
        long done = bytesDone.get();
        double seconds = (now - startedAt) / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        Duration eta = rate > 0 ? Duration.ofMillis((long) ((bytesTotal - done) / rate * 1000)) : null;
        return new CopyProgress(done, bytesTotal, filesDone.get(), filesTotal, currentFile, rate, eta);
    }
}
