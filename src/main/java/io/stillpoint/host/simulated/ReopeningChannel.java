package io.stillpoint.host.simulated;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A file channel that outlives the interruption of a thread using it. A {@link FileChannel} closes itself
 * for every thread when one thread is interrupted during I/O; a guest's disk is used by the guest's own
 * thread and by callers (holds, snapshots) that a watchdog may interrupt, and one interrupted caller must
 * not take the guest's disk away.
 */
final class ReopeningChannel implements AutoCloseable {

    private final Path file;
    private volatile FileChannel channel;
    private volatile boolean closed;

    ReopeningChannel(Path file, FileChannel opened) {
        this.file = file;
        this.channel = opened;
    }

    static ReopeningChannel open(Path file) throws IOException {
        return new ReopeningChannel(file, FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE));
    }

    Path file() {
        return file;
    }

    FileChannel get() throws IOException {
        FileChannel current = channel;
        if (current.isOpen() || closed) {
            return current;
        }
        synchronized (this) {
            if (!channel.isOpen() && !closed) {
                channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            }
            return channel;
        }
    }

    /** Whether a failed I/O is worth one more try: the channel was closed under it, but not by us. */
    boolean closedByOthers() {
        return !closed && !channel.isOpen() && !Thread.currentThread().isInterrupted();
    }

    @Override
    public synchronized void close() throws IOException {
        closed = true;
        channel.close();
    }
}
