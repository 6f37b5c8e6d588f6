package io.stillpoint.host.simulated;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.OptionalLong;
import java.util.zip.CRC32C;

/**
 * A differencing disk ({@code .avhdx}) beside a base disk: while a snapshot exists the guest's writes go
 * here instead of into the base, so the base stays at the snapshot instant.
 *
 * <p>The file is an append-only log: a 16-byte header (magic, creation time), then records of {@code
 * (magic, offset, length, crc32c, data)}. Replaying the log over the base in order gives the disk as the
 * guest sees it. A record cut short by a crash fails its checksum and ends the log, and replaying twice
 * gives the same result, so a merge interrupted by a crash is simply done again.
 */
final class DifferencingDisk implements AutoCloseable {

    static final String EXTENSION = SimulatedHypervisor.DIFFERENCING_DISK_EXTENSION;
    static final int HEADER_BYTES = 16;

    private static final byte[] MAGIC = "SPAVHDX1".getBytes(StandardCharsets.US_ASCII);
    private static final int RECORD_MAGIC = 0x53505231;
    private static final int RECORD_HEADER_BYTES = Integer.BYTES + Long.BYTES + Integer.BYTES + Integer.BYTES;

    private final Path file;
    private final ReopeningChannel channel;
    /** Records before this position are complete; a concurrent merge reads only up to it. */
    private volatile long end;

    private DifferencingDisk(Path file, ReopeningChannel channel, long end) {
        this.file = file;
        this.channel = channel;
        this.end = end;
    }

    static DifferencingDisk create(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).put(MAGIC).putLong(SimulatedDisks.epochMicros()).flip();
            AtomicFiles.writeFully(channel, header, 0);
            channel.force(true);
            AtomicFiles.forceDirectory(file.getParent());
            return new DifferencingDisk(file, new ReopeningChannel(file, channel), HEADER_BYTES);
        } catch (IOException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(file);
            throw e;
        }
    }

    Path file() {
        return file;
    }

    long end() {
        return end;
    }

    /**
     * One positional write per record, so a crash leaves at most the last record torn; {@link #end} moves
     * only once the record is whole, so a failed append is retried in place.
     */
    void append(long offset, ByteBuffer data) throws IOException {
        int length = data.remaining();
        ByteBuffer record = ByteBuffer.allocate(RECORD_HEADER_BYTES + length);
        record.putInt(RECORD_MAGIC).putLong(offset).putInt(length).putInt(0).put(data.duplicate()).flip();
        record.putInt(RECORD_HEADER_BYTES - Integer.BYTES, crc(record.array(), length));
        long at = end;
        AtomicFiles.writeFully(channel.get(), record, at);
        end = at + record.capacity();
    }

    void force() throws IOException {
        channel.get().force(false);
    }

    boolean closedByOthers() {
        return channel.closedByOthers();
    }

    /**
     * Writes the records in {@code [from, to)} into {@code base}.
     *
     * @return the position after the last complete record replayed
     */
    long replayInto(FileChannel base, long from, long to) throws IOException {
        return replay(channel.get(), base, from, to);
    }

    /** Lays the log's writes that touch {@code [regionOffset, regionOffset + region.length)} over it. */
    void readThrough(long regionOffset, byte[] region) throws IOException {
        long regionEnd = regionOffset + region.length;
        long at = HEADER_BYTES;
        long stop = end;
        while (at < stop) {
            Record record = readRecord(channel.get(), at, stop);
            if (record == null) {
                return;
            }
            long from = Math.max(record.offset, regionOffset);
            long to = Math.min(record.offset + record.data.length, regionEnd);
            if (from < to) {
                System.arraycopy(record.data, (int) (from - record.offset), region, (int) (from - regionOffset),
                        (int) (to - from));
            }
            at = record.next;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** Replays a log left behind by a process that died, into its base disk, and forces the base. */
    static void replayLeftover(Path overlay, FileChannel base) throws IOException {
        try (FileChannel channel = FileChannel.open(overlay, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            if (!hasMagic(channel)) {
                return;
            }
            replay(channel, base, HEADER_BYTES, channel.size());
            base.force(false);
        }
    }

    /**
     * When the log was started, to merge several leftovers of one disk oldest first; empty when the file
     * does not begin with a differencing disk's header, so is none that Stillpoint made.
     */
    static OptionalLong createdMicros(Path overlay) throws IOException {
        try (FileChannel channel = FileChannel.open(overlay, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
            AtomicFiles.readFully(channel, header, 0);
            return header.remaining() == 0 && hasMagic(channel) ? OptionalLong.of(header.getLong(MAGIC.length))
                    : OptionalLong.empty();
        }
    }

    private static boolean hasMagic(FileChannel channel) throws IOException {
        ByteBuffer magic = ByteBuffer.allocate(MAGIC.length);
        AtomicFiles.readFully(channel, magic, 0);
        return Arrays.equals(magic.array(), MAGIC);
    }

    private static long replay(FileChannel log, FileChannel base, long from, long to) throws IOException {
        long at = from;
        while (at < to) {
            Record record = readRecord(log, at, to);
            if (record == null) {
                break;
            }
            AtomicFiles.writeFully(base, ByteBuffer.wrap(record.data), record.offset);
            at = record.next;
        }
        return at;
    }

    private static Record readRecord(FileChannel log, long at, long limit) throws IOException {
        if (limit - at < RECORD_HEADER_BYTES) {
            return null;
        }
        ByteBuffer header = ByteBuffer.allocate(RECORD_HEADER_BYTES);
        AtomicFiles.readFully(log, header, at);
        if (header.hasRemaining() || header.getInt(0) != RECORD_MAGIC) {
            return null;
        }
        long offset = header.getLong(Integer.BYTES);
        int length = header.getInt(Integer.BYTES + Long.BYTES);
        if (offset < 0 || length < 0 || length > limit - at - RECORD_HEADER_BYTES) {
            return null;
        }
        ByteBuffer whole = ByteBuffer.allocate(RECORD_HEADER_BYTES + length);
        AtomicFiles.readFully(log, whole, at);
        if (whole.hasRemaining()) {
            return null;
        }
        int stored = whole.getInt(RECORD_HEADER_BYTES - Integer.BYTES);
        whole.putInt(RECORD_HEADER_BYTES - Integer.BYTES, 0);
        if (stored != crc(whole.array(), length)) {
            return null;
        }
        byte[] data = new byte[length];
        System.arraycopy(whole.array(), RECORD_HEADER_BYTES, data, 0, length);
        return new Record(offset, data, at + whole.capacity());
    }

    /** Over the record with its checksum field zeroed, so one pass covers header and data. */
    private static int crc(byte[] record, int length) {
        CRC32C crc = new CRC32C();
        crc.update(record, 0, RECORD_HEADER_BYTES + length);
        return (int) crc.getValue();
    }

    private record Record(long offset, byte[] data, long next) {}
}
