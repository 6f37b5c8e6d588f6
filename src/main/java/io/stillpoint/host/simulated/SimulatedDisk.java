package io.stillpoint.host.simulated;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * One disk of a guest, and the only way the guest writes to it: every write goes either to the base file
 * or, while a snapshot exists, to the differencing disk the writer put in front of it. Callers hold the
 * guest's lock.
 */
final class SimulatedDisk implements AutoCloseable {

    private static final long BOOT_AREA_BYTES = 64L << 10;
    private static final long MAX_OS_BYTES = 4L << 20;
    private static final int OS_EXTENTS = 3;

    private final Path file;
    private final ReopeningChannel base;
    private final int journalBlocks;
    private DifferencingDisk overlay;
    private WriteTracking tracking;
    /** The guest's memory of this disk: the sequence number of its next block. */
    private long nextSequence = 1;

    private SimulatedDisk(Path file, ReopeningChannel base, int journalBlocks) {
        this.file = file;
        this.base = base;
        this.journalBlocks = journalBlocks;
    }

    static SimulatedDisk open(Path file) throws IOException {
        ReopeningChannel base = ReopeningChannel.open(file);
        return new SimulatedDisk(file, base, SimulatedDisks.journalBlocks(base.get().size()));
    }

    /**
     * Creates a sparse disk holding an installed "operating system": a boot area at the start and a few
     * extents beyond the journal, pseudo-random, so the disk has data and holes like a real one.
     */
    static void create(Path file, long size, long seed) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
            FileChannel channel = raf.getChannel();
            SplittableRandom random = new SplittableRandom(seed);
            long dataStart = SimulatedDisks.JOURNAL_OFFSET
                    + (long) SimulatedDisks.journalBlocks(size) * SimulatedDisks.BLOCK_SIZE;
            long osBytes = Math.min(MAX_OS_BYTES, size / 8);
            long extent = align((osBytes - BOOT_AREA_BYTES) / OS_EXTENTS);
            long stride = align((size - dataStart) / OS_EXTENTS);
            writeRandom(channel, 0, BOOT_AREA_BYTES, random);
            for (int i = 0; i < OS_EXTENTS; i++) {
                writeRandom(channel, dataStart + i * stride, Math.min(extent, stride), random);
            }
            channel.force(true);
        }
    }

    Path file() {
        return file;
    }

    String fileName() {
        return file.getFileName().toString();
    }

    FileChannel base() throws IOException {
        return base.get();
    }

    long lastSequence() {
        return nextSequence - 1;
    }

    void nextSequence(long next) {
        nextSequence = next;
    }

    long nextSequence() {
        return nextSequence;
    }

    /** A block write is idempotent, so one retry is safe when another thread's interruption closed the file. */
    void writeNextBlock() throws IOException {
        long seq = nextSequence;
        byte[] block = SimulatedDisks.block(seq, journalBlocks, SimulatedDisks.epochMicros());
        long offset = SimulatedDisks.blockOffset(seq, journalBlocks);
        try {
            write(offset, ByteBuffer.wrap(block));
        } catch (ClosedChannelException e) {
            if (!(overlay != null ? overlay.closedByOthers() : base.closedByOthers())) {
                throw e;
            }
            write(offset, ByteBuffer.wrap(block));
        }
        nextSequence = seq + 1;
    }

    /** Writes {@code data} at {@code offset} as the guest would: tracked, and into the overlay if there is one. */
    void writeGuestData(long offset, byte[] data) throws IOException {
        long size = base.get().size();
        if (offset < 0 || offset > size - data.length) {
            throw new IOException(data.length + " bytes at " + offset + " do not fit in " + fileName() + " (" + size
                    + " bytes)");
        }
        write(offset, ByteBuffer.wrap(data));
    }

    void track(WriteTracking into) {
        tracking = into;
    }

    void force() throws IOException {
        if (overlay != null) {
            overlay.force();
        } else {
            base.get().force(false);
        }
    }

    /**
     * Reads the journal region as the guest sees it (through the differencing disk, if any) and returns
     * the highest valid sequence number: what a booting guest finds on its disk.
     */
    long scanLastSequence() throws IOException {
        ByteBuffer region = ByteBuffer.allocate(journalBlocks * SimulatedDisks.BLOCK_SIZE);
        AtomicFiles.readFully(base.get(), region, SimulatedDisks.JOURNAL_OFFSET);
        if (overlay != null) {
            overlay.readThrough(SimulatedDisks.JOURNAL_OFFSET, region.array());
        }
        return SimulatedDisks.check(region.array(), journalBlocks).maxSequence();
    }

    void divert(DifferencingDisk to) {
        overlay = to;
    }

    DifferencingDisk overlay() {
        return overlay;
    }

    void undivert() {
        overlay = null;
    }

    @Override
    public void close() throws IOException {
        try {
            if (overlay != null) {
                overlay.close();
            }
        } finally {
            base.close();
        }
    }

    private void write(long offset, ByteBuffer data) throws IOException {
        tracking.record(fileName(), offset, data.remaining());
        if (overlay != null) {
            overlay.append(offset, data);
        } else {
            AtomicFiles.writeFully(base.get(), data, offset);
        }
    }

    private static void writeRandom(FileChannel channel, long offset, long length, SplittableRandom random)
            throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(64 << 10);
        for (long done = 0; done < length; done += chunk.capacity()) {
            chunk.clear();
            while (chunk.hasRemaining()) {
                chunk.putLong(random.nextLong());
            }
            chunk.flip().limit((int) Math.min(chunk.capacity(), length - done));
            AtomicFiles.writeFully(channel, chunk, offset + done);
        }
    }

    private static long align(long bytes) {
        return bytes / SimulatedDisks.BLOCK_SIZE * SimulatedDisks.BLOCK_SIZE;
    }
}
