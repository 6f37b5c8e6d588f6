package io.stillpoint.guestfiles;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Moves the bytes of one libguestfs download into a stream without staging them: libguestfs writes to a host
 * file name, so it is given a named pipe that this side reads. The pipe lives in a folder only the server's
 * user may enter, under a random name, and is removed after each transfer.
 *
 * <p>Opening a pipe blocks until both ends are open. libguestfs may fail before it opens its end (a guest path
 * that vanished): the reader would then wait forever, so once the download has returned, its end is opened and
 * closed once more while no reader has got through, which hands the reader an end of file.
 */
final class Fifo {

    interface Writer {
        void writeTo(String hostFile);
    }

    private interface Calls extends Library {
        int mkfifo(byte[] path, int mode);

        int open(byte[] path, int flags);

        int close(int fd);
    }

    private static final int BUFFER = 1 << 20;
    private static final int O_WRONLY = 01;
    private static final int O_NONBLOCK = 04000;
    private static final Calls LIBC = Native.load("c", Calls.class);

    private Fifo() {}

    /**
     * Runs {@code writer} on {@code executor} with a pipe's name and copies what it writes to {@code out}.
     *
     * @param onAbort called when the copy fails on this side (the client went away), to stop the writer
     * @return the bytes copied
     * @throws GuestFsException when the writer failed
     * @throws IOException when {@code out} failed
     */
    static long transfer(Path folder, ExecutorService executor, Writer writer, OutputStream out, Runnable onAbort)
            throws IOException {
        Path pipe = folder.resolve("transfer-" + UUID.randomUUID());
        byte[] name = (pipe + "\0").getBytes(StandardCharsets.UTF_8);
        if (LIBC.mkfifo(name, 0600) != 0) {
            throw new IOException("cannot make the named pipe " + pipe + " (errno " + Native.getLastError() + ")");
        }
        AtomicBoolean readerOpen = new AtomicBoolean();
        AtomicBoolean done = new AtomicBoolean();
        try {
            Future<?> written = executor.submit(() -> {
                try {
                    writer.writeTo(pipe.toString());
                } finally {
                    done.set(true);
                    releaseReader(name, readerOpen);
                }
            });
            long copied;
            try (InputStream in = Files.newInputStream(pipe)) {
                readerOpen.set(true);
                copied = copy(in, out);
            } catch (IOException e) {
                readerOpen.set(true);
                if (!done.get()) {
                    onAbort.run();
                }
                awaitQuietly(written);
                throw e;
            }
            await(written);
            return copied;
        } finally {
            Files.deleteIfExists(pipe);
        }
    }

    /** In large writes: each write to an HTTP response hands a buffer to the I/O thread and waits for it. */
    private static long copy(InputStream in, OutputStream out) throws IOException {
        byte[] buffer = new byte[BUFFER];
        long copied = 0;
        int filled = 0;
        int n;
        while ((n = in.read(buffer, filled, buffer.length - filled)) >= 0) {
            filled += n;
            if (filled == buffer.length) {
                out.write(buffer, 0, filled);
                copied += filled;
                filled = 0;
            }
        }
        if (filled > 0) {
            out.write(buffer, 0, filled);
            copied += filled;
        }
        return copied;
    }

    private static void releaseReader(byte[] name, AtomicBoolean readerOpen) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!readerOpen.get() && System.nanoTime() < deadline) {
            int fd = LIBC.open(name, O_WRONLY | O_NONBLOCK);
            if (fd >= 0) {
                LIBC.close(fd);
                return;
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void await(Future<?> written) throws IOException {
        try {
            written.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while libguestfs wrote", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new IOException(e.getCause());
        }
    }

    private static void awaitQuietly(Future<?> written) {
        try {
            written.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // The transfer was aborted on purpose; libguestfs's complaint about it says nothing new.
        }
    }
}
