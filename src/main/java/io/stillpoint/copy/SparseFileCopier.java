package io.stillpoint.copy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Copies one regular file's content and computes its {@link ContentDigest} from the same data.
 *
 * <p>The file is walked in the digest's 1 MiB chunks. Chunks that lie wholly in a hole are neither
 * read nor written and count as constant zero-chunk digests (where the system can find holes; else
 * every chunk is read). A chunk that touches data is seen whole, hole parts as zeros, so the digest
 * always sees the logical content; if that chunk is all zeros it is not written either. Only the
 * extents' bytes are written, so the copy allocates no more than the source. The logical size is set
 * last, since trailing holes write nothing.
 *
 * <p>A file of one chunk is read into a buffer and hashed on this thread; several small files already
 * run in parallel. A larger file is mapped in {@link #WINDOW} windows: its chunks are hashed on the
 * shared digest pool straight from the page cache while this thread moves the data with {@code
 * sendfile} (the JDK's file-to-file {@code transferTo}), one copy in the kernel where reading into a
 * buffer and writing it out made two; at most {@link #IN_FLIGHT} chunks are pending, and their digests
 * are folded in file order. On two cores that copy was the copying thread's largest cost, half its
 * time, while the second core hashed. (Reading, writing and hashing whole chunks on the pool was
 * slower: parallel buffered writes to one file contend for its inode lock.)
 */
final class SparseFileCopier {

    static final int CHUNK = ContentDigest.CHUNK;
    static final int IN_FLIGHT = 8;
    static final long WINDOW = 64L * CHUNK;

    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(CHUNK).asReadOnlyBuffer();

    private final AttributeStrategy attributes;
    private final ExecutorService hashers;
    private final Throttle throttle;
    private final ProgressMeter progress;
    private final Runnable checkpoint;
    private final ThreadLocal<ByteBuffer> buffers = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(CHUNK));

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
     * What copying one file did.
     *
     * @param sha256 the {@link ContentDigest} as hex
     * @param chunkDigests the digest of every chunk in order; zero chunks share one array
     * @param bytesRead bytes read from the source (holes are not read)
     * @param bytesWritten bytes written to the target
     */
    record FileCopy(String sha256, List<byte[]> chunkDigests, long bytesRead, long bytesWritten) {}

    /**
     * Copies {@code size} bytes from {@code in} to the new, empty {@code out}.
     *
     * @param durable whether the copy will be synced to disk, so writeback should start early
     */
    FileCopy copy(Path source, FileChannel in, Path target, FileChannel out, long size, boolean durable)
            throws IOException {
        boolean mapped = size > CHUNK;
        try (DataExtents extents = mapped ? attributes.extents(source, size) : null;
                Writeback writeback = durable && size > Writeback.STEP ? attributes.writeback(target) : null;
                OrderedDigest digest = new OrderedDigest()) {
            Ranges ranges = new Ranges();
            long read = 0;
            long written = 0;
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
                dataRanges(extents, offset, length, ranges);
                read += ranges.bytes();
                ByteBuffer buffer = null;
                ByteBuffer chunk;
                if (mapped) {
                    digest.awaitRoom();
                    chunk = digest.mapped(source, in, offset, length, size);
                } else {
                    buffer = buffers.get().clear();
                    readChunk(source, in, buffer, offset, length, ranges);
                    chunk = buffer.slice(0, length);
                }
                if (isZero(source, chunk, length)) {
                    if (length == CHUNK) {
                        digest.zeroChunks(1);
                    } else {
                        digest.zeroTail(length);
                    }
                } else {
                    for (int r = 0; r < ranges.count; r++) {
                        if (mapped) {
                            transferFully(source, in, out, ranges.start[r], ranges.end[r]);
                        } else {
                            int from = (int) (ranges.start[r] - offset);
                            int to = (int) (ranges.end[r] - offset);
                            writeFully(out, buffer.slice(from, to - from), ranges.start[r]);
                        }
                        dataEnd = ranges.end[r];
                    }
                    written += ranges.bytes();
                    if (writeback != null) {
                        writeback.written(dataEnd);
                    }
                    if (mapped) {
                        digest.chunk(hashers.submit(() -> ContentDigest.chunkDigest(chunk)), length);
                    } else {
                        digest.chunk(ContentDigest.chunkDigest(chunk), length);
                    }
                }
                offset += length;
                progress.addBytes(length);
            }
            if (dataEnd < size) {
                attributes.setSize(target, size);
            }
            String sha256 = digest.hex();
            return new FileCopy(sha256, digest.chunkDigests(), read, written);
        }
    }

    /**
     * The data ranges of the chunk at {@code offset}, taken from the bandwidth limit: everything without
     * {@code extents}, else the parts of the extents that fall in the chunk.
     */
    void dataRanges(DataExtents extents, long offset, int length, Ranges ranges) throws IOException {
        long end = offset + length;
        long position = offset;
        ranges.count = 0;
        while (position < end) {
            long data = extents == null ? position : extents.nextData(position);
            if (data >= end) {
                break;
            }
            long dataEnd = extents == null ? end : Math.min(extents.dataEnd(), end);
            if (throttle != null) {
                throttle.acquire(dataEnd - data, checkpoint);
            }
            ranges.add(data, dataEnd);
            position = dataEnd;
        }
    }

    /** A mapped file shrinking under the copy faults in the JVM rather than returning a short read. */
    static boolean isZero(Path source, ByteBuffer chunk, int length) throws IOException {
        try {
            return chunk.mismatch(ZEROS.slice(0, length)) == -1;
        } catch (InternalError e) {
            throw new FileSystemException(source.toString(), null, "the file became shorter while it was copied");
        }
    }

    private static void transferFully(Path source, FileChannel in, FileChannel out, long from, long to)
            throws IOException {
        out.position(from);
        long position = from;
        while (position < to) {
            long moved = in.transferTo(position, to - position, out);
            if (moved <= 0) {
                throw new FileSystemException(source.toString(), null, "the file became shorter while it was copied");
            }
            position += moved;
        }
    }

    /** Fills {@code buffer[0, length)} with the logical content at {@code offset}: {@code ranges} read, the rest zero. */
    static void readChunk(Path source, FileChannel in, ByteBuffer buffer, long offset, int length,
            Ranges ranges) throws IOException {
        long position = offset;
        for (int r = 0; r < ranges.count; r++) {
            zero(buffer, position - offset, ranges.start[r] - position);
            readFully(source, in, buffer.slice((int) (ranges.start[r] - offset),
                    (int) (ranges.end[r] - ranges.start[r])), ranges.start[r]);
            position = ranges.end[r];
        }
        zero(buffer, position - offset, offset + length - position);
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

    static void writeFully(FileChannel out, ByteBuffer from, long position) throws IOException {
        while (from.hasRemaining()) {
            out.write(from, position + from.position());
        }
    }

    /** The data ranges of one chunk; usually one, up to one per file-system block. */
    static final class Ranges {
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

        long bytes() {
            long total = 0;
            for (int r = 0; r < count; r++) {
                total += end[r] - start[r];
            }
            return total;
        }
    }

    /**
     * A read-only mapping of part of the source. It is unmapped as soon as the copy has moved past it
     * and its last chunk is hashed, rather than when the garbage collector gets to it: a mapping keeps
     * a deleted file's blocks allocated, and snapshot views are deleted right after the copy.
     */
    private static final class Window {
        private final long start;
        private final MappedByteBuffer map;
        private int hashing;
        private boolean retired;

        private Window(long start, MappedByteBuffer map) {
            this.start = start;
            this.map = map;
        }

        static Window map(Path source, FileChannel in, long offset, long size) throws IOException {
            long start = offset - offset % WINDOW;
            try {
                return new Window(start, in.map(FileChannel.MapMode.READ_ONLY, start, Math.min(WINDOW, size - start)));
            } catch (IOException e) {
                throw new FileSystemException(source.toString(), null, "cannot be mapped for reading: " + e.getMessage());
            }
        }

        boolean holds(long offset, int length) {
            return offset >= start && offset + length <= start + map.capacity();
        }

        ByteBuffer chunk(long offset, int length) {
            return map.slice((int) (offset - start), length);
        }

        void hashed() {
            hashing--;
            unmapIfDone();
        }

        void retire() {
            retired = true;
            unmapIfDone();
        }

        private void unmapIfDone() {
            if (retired && hashing == 0) {
                Unmapper.unmap(map);
            }
        }
    }

    /**
     * Folds chunk digests into a {@link ContentDigest} in file order while later chunks are still
     * being hashed, and keeps the windows those chunks lie in mapped until their hashing is done.
     */
    private static final class OrderedDigest implements AutoCloseable {

        private record Step(long zeroChunks, byte[] done, Future<byte[]> hashing, int length, Window window) {}

        private final ContentDigest digest = new ContentDigest();
        private final List<byte[]> chunkDigests = new ArrayList<>();
        private final ArrayDeque<Step> pending = new ArrayDeque<>();
        private int hashing;
        private Window current;

        /** Folds the oldest chunks until fewer than {@link #IN_FLIGHT} are being hashed. */
        void awaitRoom() throws IOException {
            while (hashing >= IN_FLIGHT) {
                foldOldest();
            }
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

        /** A chunk of the window {@link #mapped} returned last. */
        void chunk(Future<byte[]> hashing, int length) throws IOException {
            current.hashing++;
            this.hashing++;
            add(new Step(0, null, hashing, length, current));
        }

        /** The chunk at {@code offset}, mapping the window it lies in and retiring the one before. */
        ByteBuffer mapped(Path source, FileChannel in, long offset, int length, long size) throws IOException {
            if (current == null || !current.holds(offset, length)) {
                if (current != null) {
                    current.retire();
                }
                current = null;
                current = Window.map(source, in, offset, size);
            }
            return current.chunk(offset, length);
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
                try {
                    chunkDigest = await(step.hashing);
                } finally {
                    hashing--;
                    step.window.hashed();
                }
            }
            fold(step, chunkDigest);
        }

        private void fold(Step step, byte[] chunkDigest) {
            if (chunkDigest == null) {
                digest.updateZeroChunks(step.zeroChunks);
                for (long i = 0; i < step.zeroChunks; i++) {
                    chunkDigests.add(ContentDigest.ZERO_CHUNK_DIGEST);
                }
            } else {
                digest.updateChunkDigest(chunkDigest, step.length);
                chunkDigests.add(chunkDigest);
            }
        }

        /** Every chunk's digest in file order, once {@link #hex} has folded them all. */
        List<byte[]> chunkDigests() {
            return Collections.unmodifiableList(chunkDigests);
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
                if (e.getCause() instanceof InternalError) {
                    throw new IOException("the file became shorter while it was copied", e.getCause());
                }
                throw new IOException("hashing a chunk failed", e.getCause());
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        /**
         * On failure, waits for chunks still being hashed: their windows may be unmapped only once no
         * thread reads them any more.
         */
        @Override
        public void close() {
            for (Step step : pending) {
                if (step.hashing != null) {
                    try {
                        await(step.hashing);
                    } catch (IOException ignored) {
                        // the copy is failing already; only the mapping matters here
                    }
                    step.window.hashed();
                }
            }
            pending.clear();
            if (current != null) {
                current.retire();
            }
        }
    }
}
