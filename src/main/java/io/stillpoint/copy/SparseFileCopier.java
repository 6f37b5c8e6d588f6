package io.stillpoint.copy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Copies one regular file's content and computes its {@link ContentDigest} from the same read.
 *
 * <p>The file is walked in the digest's 1 MiB chunks. Chunks that lie wholly in a hole are neither
 * read nor written and count as constant zero-chunk digests (where the system can find holes; else
 * every chunk is read). A chunk that touches data is assembled
 * in a buffer (data read from the extents, hole parts zero-filled) so the digest always sees the
 * logical content; if that chunk is all zeros it is not written either. Only the extents' bytes are
 * written, so the copy allocates no more than the source. The logical size is set last, since
 * trailing holes write nothing.
 *
 * <p>Chunks of larger files are hashed on the shared digest pool while this thread reads and writes
 * the next ones; a bounded set of buffers per thread keeps at most {@link #IN_FLIGHT} chunks pending,
 * and their digests are folded in file order. (Moving the writes to the pool as well, so reads
 * overlap them, measured no faster on two cores: the cores are already busy copying and hashing.
 * Reading, writing and hashing whole chunks on the pool was slower still: parallel buffered writes
 * to one file contend for its inode lock, and a benchmark copy's system time went from 3 s to 5.7 s.)
 */
final class SparseFileCopier {

    static final int CHUNK = ContentDigest.CHUNK;
    static final int IN_FLIGHT = 8;

    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(CHUNK).asReadOnlyBuffer();

    private final AttributeStrategy attributes;
    private final ExecutorService hashers;
    private final Throttle throttle;
    private final ProgressMeter progress;
    private final Runnable checkpoint;
    private final ThreadLocal<ArrayDeque<ByteBuffer>> buffers = ThreadLocal.withInitial(() -> {
        ArrayDeque<ByteBuffer> free = new ArrayDeque<>(IN_FLIGHT);
        for (int i = 0; i < IN_FLIGHT; i++) {
            free.push(ByteBuffer.allocateDirect(CHUNK));
        }
        return free;
    });

    /**
     * @param throttle the shared bandwidth limit, or {@code null}
     * @param checkpoint throws {@link java.util.concurrent.CancellationException} when the copy must stop
     */
    SparseFileCopier(AttributeStrategy attributes, ExecutorService hashers, Throttle throttle, ProgressMeter progress,
            Runnable checkpoint) {
        this.attributes = attributes;
        this.hashers = hashers;
        this.throttle = throttle;
        this.progress = progress;
        this.checkpoint = checkpoint;
    }

    /**
     * Copies {@code size} bytes from {@code in} to the new, empty {@code out}; returns the digest's hex.
     *
     * @param durable whether the copy will be synced to disk, so writeback should start early
     */
    String copy(Path source, FileChannel in, Path target, FileChannel out, long size, boolean durable)
            throws IOException {
        // One chunk gains nothing from another thread; several small files already run in parallel.
        boolean hashHere = size <= CHUNK;
        try (DataExtents extents = hashHere ? null : attributes.extents(source, size);
                Writeback writeback = durable && size > Writeback.STEP ? attributes.writeback(target) : null;
                OrderedDigest digest = new OrderedDigest(buffers.get())) {
            Ranges ranges = new Ranges();
            long dataEnd = 0;
            long offset = 0;
            while (offset < size) {
                checkpoint.run();
                int length = (int) Math.min(CHUNK, size - offset);
                long data = extents == null ? offset : extents.nextData(offset);
                if (data >= offset + length) {
                    long holeChunks = (Math.min(data, size) - offset) / CHUNK;
                    if (holeChunks > 0) {
                        digest.zeroChunks(holeChunks);
                        offset += holeChunks * CHUNK;
                        progress.addBytes(holeChunks * CHUNK);
                    } else {
                        digest.zeroTail(length);
                        offset += length;
                        progress.addBytes(length);
                    }
                    continue;
                }
                ByteBuffer buffer = digest.acquire();
                readChunk(source, in, extents, buffer, offset, length, ranges);
                ByteBuffer chunk = buffer.slice(0, length);
                if (chunk.mismatch(ZEROS.slice(0, length)) == -1) {
                    digest.release(buffer);
                    if (length == CHUNK) {
                        digest.zeroChunks(1);
                    } else {
                        digest.zeroTail(length);
                    }
                } else {
                    for (int r = 0; r < ranges.count; r++) {
                        int from = (int) (ranges.start[r] - offset);
                        int to = (int) (ranges.end[r] - offset);
                        writeFully(out, buffer.slice(from, to - from), ranges.start[r]);
                        dataEnd = ranges.end[r];
                    }
                    if (writeback != null) {
                        writeback.written(dataEnd);
                    }
                    if (hashHere) {
                        digest.chunk(ContentDigest.chunkDigest(chunk), length);
                        digest.release(buffer);
                    } else {
                        digest.chunk(hashers.submit(() -> ContentDigest.chunkDigest(chunk)), length, buffer);
                    }
                }
                offset += length;
                progress.addBytes(length);
            }
            if (dataEnd < size) {
                attributes.setSize(target, size);
            }
            return digest.hex();
        }
    }

    /**
     * Fills {@code buffer[0, length)} with the logical content at {@code offset}, reading only data
     * extents, and records the file ranges read in {@code ranges}.
     */
    private void readChunk(Path source, FileChannel in, DataExtents extents, ByteBuffer buffer, long offset,
            int length, Ranges ranges) throws IOException {
        long end = offset + length;
        long position = offset;
        ranges.count = 0;
        while (position < end) {
            long data = extents == null ? position : extents.nextData(position);
            if (data >= end) {
                zero(buffer, position - offset, end - position);
                break;
            }
            zero(buffer, position - offset, data - position);
            long dataEnd = extents == null ? end : Math.min(extents.dataEnd(), end);
            if (throttle != null) {
                throttle.acquire(dataEnd - data, checkpoint);
            }
            readFully(source, in, buffer.slice((int) (data - offset), (int) (dataEnd - data)), data);
            ranges.add(data, dataEnd);
            position = dataEnd;
        }
    }

    private static void zero(ByteBuffer buffer, long at, long length) {
        if (length > 0) {
            buffer.put((int) at, ZEROS, 0, (int) length);
        }
    }

    private static void readFully(Path source, FileChannel in, ByteBuffer into, long position) throws IOException {
        while (into.hasRemaining()) {
            int read = in.read(into, position + into.position());
            if (read < 0) {
                throw new FileSystemException(source.toString(), null, "the file became shorter while it was copied");
            }
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer from, long position) throws IOException {
        while (from.hasRemaining()) {
            out.write(from, position + from.position());
        }
    }

    /** The data ranges of one chunk; usually one, up to one per file-system block. */
    private static final class Ranges {
        long[] start = new long[4];
        long[] end = new long[4];
        int count;

        void add(long from, long to) {
            if (count == start.length) {
                start = Arrays.copyOf(start, count * 2);
                end = Arrays.copyOf(end, count * 2);
            }
            start[count] = from;
            end[count] = to;
            count++;
        }
    }

    /**
     * Folds chunk digests into a {@link ContentDigest} in file order while later chunks are still
     * being hashed, and owns this thread's chunk buffers until their hashing is done.
     */
    private static final class OrderedDigest implements AutoCloseable {

        private record Step(long zeroChunks, byte[] done, Future<byte[]> hashing, int length, ByteBuffer buffer) {}

        private final ContentDigest digest = new ContentDigest();
        private final ArrayDeque<Step> pending = new ArrayDeque<>();
        private final ArrayDeque<ByteBuffer> free;

        OrderedDigest(ArrayDeque<ByteBuffer> free) {
            this.free = free;
        }

        ByteBuffer acquire() throws IOException {
            while (free.isEmpty()) {
                foldOldest();
            }
            return free.pop().clear();
        }

        void release(ByteBuffer buffer) {
            free.push(buffer);
        }

        void zeroChunks(long count) throws IOException {
            add(new Step(count, null, null, 0, null));
        }

        /** A last, partial chunk of zeros: its digest is not the constant, so hash the zeros. */
        void zeroTail(int length) throws IOException {
            chunk(ContentDigest.chunkDigest(ZEROS.slice(0, length)), length);
        }

        void chunk(byte[] done, int length) throws IOException {
            add(new Step(0, done, null, length, null));
        }

        void chunk(Future<byte[]> hashing, int length, ByteBuffer buffer) throws IOException {
            add(new Step(0, null, hashing, length, buffer));
        }

        String hex() throws IOException {
            while (!pending.isEmpty()) {
                foldOldest();
            }
            return digest.hex();
        }

        private void add(Step step) throws IOException {
            if (pending.isEmpty() && step.hashing == null) {
                fold(step, step.done);
            } else {
                pending.add(step);
            }
        }

        private void foldOldest() throws IOException {
            Step step = pending.poll();
            byte[] chunkDigest = step.done;
            if (step.hashing != null) {
                chunkDigest = await(step.hashing);
                free.push(step.buffer);
            }
            fold(step, chunkDigest);
        }

        private void fold(Step step, byte[] chunkDigest) {
            if (chunkDigest == null) {
                digest.updateZeroChunks(step.zeroChunks);
            } else {
                digest.updateChunkDigest(chunkDigest, step.length);
            }
        }

        private static byte[] await(Future<byte[]> hashing) throws IOException {
            boolean interrupted = false;
            try {
                while (true) {
                    try {
                        return hashing.get();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            } catch (ExecutionException e) {
                throw new IOException("hashing a chunk failed", e.getCause());
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        /** On failure, waits for chunks still being hashed so their buffers can be reused safely. */
        @Override
        public void close() {
            for (Step step : pending) {
                if (step.hashing != null) {
                    try {
                        await(step.hashing);
                    } catch (IOException ignored) {
                        // the copy is failing already; only the buffer matters here
                    }
                    free.push(step.buffer);
                }
            }
            pending.clear();
        }
    }
}
