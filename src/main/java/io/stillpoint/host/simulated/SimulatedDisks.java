package io.stillpoint.host.simulated;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.zip.CRC32C;

/**
 * The layout of a simulated guest's disk and of the blocks its guest writes.
 *
 * <p>A running guest writes 4 KiB blocks into a journal region (from 1 MiB, {@code min(16 MiB,
 * size / 4)} long) as a ring: block {@code seq} lands at index {@code (seq - 1) mod blocks}, so the
 * region always holds the last writes. Each block is self-checking: magic, sequence number, index, write
 * time in epoch micros, a payload derived from the sequence number, and a CRC32C of all of that in its
 * last 8 bytes. A disk copied at a true point in time therefore holds every block valid and exactly the
 * last writes up to one sequence number; a copy made while the guest wrote does not.
 */
public final class SimulatedDisks {

    public static final int BLOCK_SIZE = 4096;
    public static final long JOURNAL_OFFSET = 1L << 20;
    public static final long MAX_JOURNAL_BYTES = 16L << 20;
    /** The smallest disk that leaves room for the boot area, the journal and some data beyond it. */
    public static final long MIN_DISK_BYTES = 8L << 20;

    static final byte[] MAGIC = "SPBLOCK1".getBytes(StandardCharsets.US_ASCII);
    private static final int CHECKSUM_AT = BLOCK_SIZE - Long.BYTES;
    private static final int PAYLOAD_AT = 32;

    private SimulatedDisks() {}

    public static int journalBlocks(long diskSize) {
        return (int) (Math.min(MAX_JOURNAL_BYTES, diskSize / 4) / BLOCK_SIZE);
    }

    public static long blockOffset(long sequence, int journalBlocks) {
        return JOURNAL_OFFSET + ((sequence - 1) % journalBlocks) * BLOCK_SIZE;
    }

    /** Reads the journal region of a disk file and validates every block in it. */
    public static DiskCheck check(Path diskFile) throws IOException {
        try (FileChannel channel = FileChannel.open(diskFile, StandardOpenOption.READ)) {
            int blocks = journalBlocks(channel.size());
            ByteBuffer region = ByteBuffer.allocate(blocks * BLOCK_SIZE);
            AtomicFiles.readFully(channel, region, JOURNAL_OFFSET);
            return check(region.array(), blocks);
        }
    }

    static DiskCheck check(byte[] region, int blocks) {
        TreeSet<Long> sequences = new TreeSet<>();
        int invalid = 0;
        for (int index = 0; index < blocks; index++) {
            int at = index * BLOCK_SIZE;
            if (isZero(region, at)) {
                continue;
            }
            long seq = validSequence(region, at, index, blocks);
            if (seq > 0) {
                sequences.add(seq);
            } else {
                invalid++;
            }
        }
        return new DiskCheck(
                blocks,
                sequences.size(),
                invalid,
                sequences.isEmpty() ? 0 : sequences.first(),
                sequences.isEmpty() ? 0 : sequences.last(),
                sequences);
    }

    static byte[] block(long sequence, int journalBlocks, long epochMicros) {
        ByteBuffer block = ByteBuffer.allocate(BLOCK_SIZE);
        block.put(MAGIC).putLong(sequence).putLong((sequence - 1) % journalBlocks).putLong(epochMicros);
        SplittableRandom payload = new SplittableRandom(sequence);
        while (block.position() < CHECKSUM_AT) {
            block.putLong(payload.nextLong());
        }
        block.putLong(crc(block.array(), 0));
        return block.array();
    }

    static long epochMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /** The block's sequence number if it is valid at {@code index}, else 0. */
    private static long validSequence(byte[] region, int at, int index, int blocks) {
        ByteBuffer block = ByteBuffer.wrap(region, at, BLOCK_SIZE);
        for (byte b : MAGIC) {
            if (block.get() != b) {
                return 0;
            }
        }
        long seq = block.getLong();
        long storedIndex = block.getLong();
        long storedCrc = ByteBuffer.wrap(region, at + CHECKSUM_AT, Long.BYTES).getLong();
        if (seq < 1 || storedIndex != index || (seq - 1) % blocks != index || storedCrc != crc(region, at)) {
            return 0;
        }
        return seq;
    }

    private static long crc(byte[] data, int at) {
        CRC32C crc = new CRC32C();
        crc.update(data, at, CHECKSUM_AT);
        return crc.getValue();
    }

    private static boolean isZero(byte[] data, int at) {
        for (int i = at; i < at + BLOCK_SIZE; i++) {
            if (data[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
