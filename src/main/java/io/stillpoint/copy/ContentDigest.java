package io.stillpoint.copy;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The content digest kept for every file: SHA-256 over the SHA-256 of each 1 MiB chunk, in order
 * ("sha256-chunked-1MiB"). A plain SHA-256 must push every byte of a VM disk's holes through the
 * hash (about 7 s per 8 GiB of holes here); with chunk digests a hole costs nothing (the digest of a
 * zero chunk is a constant) and chunks can be hashed on both cores. Verify by hand with
 * {@code split -b 1M --filter='sha256sum | head -c 64 | xxd -r -p' FILE | sha256sum}.
 */
public final class ContentDigest {

    public static final String ALGORITHM = "sha256-chunked-1MiB";
    public static final int CHUNK = 1 << 20;

    /** The copier's chunk lists share this one array for every zero chunk (a sparse disk's are mostly zero), so no one may change it. */
    static final byte[] ZERO_CHUNK_DIGEST = sha256().digest(new byte[CHUNK]);

    private final MessageDigest outer = sha256();
    private final MessageDigest inner = sha256();
    private int filled;
    private long length;

    /** Adds content; may be called with any split of the stream. */
    public void update(ByteBuffer data) {
        while (data.hasRemaining()) {
            int take = Math.min(data.remaining(), CHUNK - filled);
            ByteBuffer slice = data.slice(data.position(), take);
            inner.update(slice);
            data.position(data.position() + take);
            filled += take;
            length += take;
            if (filled == CHUNK) {
                outer.update(inner.digest());
                filled = 0;
            }
        }
    }

    /** Adds {@code count} whole zero chunks without hashing them; only at a chunk boundary. */
    public void updateZeroChunks(long count) {
        if (filled != 0) {
            throw new IllegalStateException("zero chunks must start at a chunk boundary");
        }
        for (long i = 0; i < count; i++) {
            outer.update(ZERO_CHUNK_DIGEST);
        }
        length += count * CHUNK;
    }

    /** Adds the digest of one whole chunk computed elsewhere; only at a chunk boundary. */
    public void updateChunkDigest(byte[] chunkDigest, int chunkLength) {
        if (filled != 0) {
            throw new IllegalStateException("chunk digests must start at a chunk boundary");
        }
        outer.update(chunkDigest);
        length += chunkLength;
    }

    public long length() {
        return length;
    }

    public String hex() {
        if (filled > 0) {
            outer.update(inner.digest());
            filled = 0;
        }
        return HexFormat.of().formatHex(outer.digest());
    }

    /** The digest of a whole 1 MiB chunk of zeros, the most common chunk of a sparse VM disk. */
    public static byte[] zeroChunkDigest() {
        return ZERO_CHUNK_DIGEST.clone();
    }

    /** Whether {@code chunkDigest} is that of a whole chunk of zeros. */
    public static boolean isZeroChunk(byte[] chunkDigest) {
        return MessageDigest.isEqual(ZERO_CHUNK_DIGEST, chunkDigest);
    }

    /** The content digest of a file from its chunk digests, in order, without reading it. */
    public static String fold(List<byte[]> chunkDigests) {
        MessageDigest folded = sha256();
        for (byte[] chunkDigest : chunkDigests) {
            folded.update(chunkDigest);
        }
        return HexFormat.of().formatHex(folded.digest());
    }

    /** How many chunk digests a file of {@code size} bytes has. */
    public static long chunkCount(long size) {
        return (size + CHUNK - 1) / CHUNK;
    }

    public static byte[] chunkDigest(ByteBuffer chunk) {
        MessageDigest digest = sha256();
        digest.update(chunk);
        return digest.digest();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
