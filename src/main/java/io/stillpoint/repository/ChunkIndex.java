package io.stillpoint.repository;

import io.stillpoint.copy.ContentDigest;
import io.stillpoint.copy.EntryType;
import io.stillpoint.copy.PreviousFile;
import io.stillpoint.fs.Durable;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per-point chunk digests, {@value #FILE} beside {@code manifest.json} in the point's folder, written into
 * the {@code .partial} folder before the manifest and durable like it. The next run of the same VM reads
 * them to learn which 1 MiB chunks of each file it can take over from this point without reading this
 * point's copy.
 *
 * <p>The file is binary and small: a magic line, the number of files, then per file its manifest path
 * (length and UTF-8 bytes), its chunk count and its chunks as runs: {@code 'Z'} and a count of zero chunks
 * ({@link ContentDigest#isZeroChunk}), or {@code 'D'} and one 32-byte digest; last the SHA-256 of all that
 * precedes it. A sparse 8 GiB disk with little data takes a few hundred bytes.
 *
 * <p>It is an optimisation, never a source of truth: a point restores and verifies by its manifest alone, and
 * a file's digests are used only while they fold to the manifest's checksum of that file. A missing,
 * unreadable or damaged index (an older point, a torn write) reads as empty, which costs the next run a full
 * read of those files and nothing else.
 */
public final class ChunkIndex {

    public static final String FILE = "chunks.sha256";

    private static final byte[] MAGIC = "stillpoint chunk index 1 sha256-chunked-1MiB\n".getBytes(StandardCharsets.US_ASCII);
    private static final int DIGEST = 32;
    private static final byte ZEROS = 'Z';
    private static final byte DIGEST_RUN = 'D';

    private ChunkIndex() {}

    /**
     * Writes {@value #FILE} into {@code pointDirectory}, durably (temp file, force, atomic rename, directory
     * forced).
     *
     * @param digestsByManifestPath chunk digests of each file by its manifest path, e.g. {@code "files/disk.vhdx"}
     */
    public static void write(Path pointDirectory, Map<String, List<byte[]>> digestsByManifestPath) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            Map<String, List<byte[]>> sorted = new TreeMap<>(digestsByManifestPath);
            out.writeInt(sorted.size());
            for (Map.Entry<String, List<byte[]>> file : sorted.entrySet()) {
                byte[] path = file.getKey().getBytes(StandardCharsets.UTF_8);
                out.writeInt(path.length);
                out.write(path);
                List<byte[]> digests = file.getValue();
                out.writeLong(digests.size());
                int i = 0;
                while (i < digests.size()) {
                    byte[] digest = digests.get(i);
                    if (digest.length != DIGEST) {
                        throw new IllegalArgumentException(file.getKey() + ": chunk digest " + i + " has "
                                + digest.length + " bytes instead of " + DIGEST);
                    }
                    if (ContentDigest.isZeroChunk(digest)) {
                        int run = i;
                        while (run < digests.size() && ContentDigest.isZeroChunk(digests.get(run))) {
                            run++;
                        }
                        out.writeByte(ZEROS);
                        out.writeLong(run - i);
                        i = run;
                    } else {
                        out.writeByte(DIGEST_RUN);
                        out.write(digest);
                        i++;
                    }
                }
            }
            out.write(sha256(bytes.toByteArray()));
        }
        Durable.write(pointDirectory.resolve(FILE), bytes.toByteArray());
    }

    /**
     * The previous-file facts of every regular file of {@code manifest} whose chunk digests in {@code
     * pointDirectory}'s index fold to the manifest's checksum, by manifest path. A file whose digests are
     * missing or do not fold is left out (the copier then treats it as new); an index that is missing or
     * damaged gives an empty map.
     */
    public static Map<String, PreviousFile> read(Path pointDirectory, Manifest manifest) throws IOException {
        Map<String, List<byte[]>> digests = digests(pointDirectory.resolve(FILE));
        Map<String, PreviousFile> files = new LinkedHashMap<>();
        for (ManifestEntry entry : manifest.entries()) {
            List<byte[]> chunks = digests.get(entry.path());
            if (entry.type() != EntryType.FILE || chunks == null || entry.sha256() == null
                    || chunks.size() != ContentDigest.chunkCount(entry.size())
                    || !ContentDigest.fold(chunks).equals(entry.sha256())) {
                continue;
            }
            files.put(entry.path(), new PreviousFile(entry.size(), entry.sha256(), chunks,
                    entry.mode() == null ? null : Integer.parseInt(entry.mode(), 8), entry.owner(), entry.group(),
                    entry.modified()));
        }
        return files;
    }

    private static Map<String, List<byte[]>> digests(Path index) throws IOException {
        byte[] content;
        try {
            if (!Files.isRegularFile(index, LinkOption.NOFOLLOW_LINKS)) {
                return Map.of();
            }
            content = Files.readAllBytes(index);
        } catch (NoSuchFileException missing) {
            return Map.of();
        }
        if (content.length < MAGIC.length + DIGEST
                || !Arrays.equals(content, 0, MAGIC.length, MAGIC, 0, MAGIC.length)
                || !MessageDigest.isEqual(sha256(Arrays.copyOf(content, content.length - DIGEST)),
                        Arrays.copyOfRange(content, content.length - DIGEST, content.length))) {
            return Map.of();
        }
        byte[] zero = ContentDigest.zeroChunkDigest();
        Map<String, List<byte[]>> digests = new HashMap<>();
        try (DataInputStream in = new DataInputStream(
                new ByteArrayInputStream(content, MAGIC.length, content.length - MAGIC.length - DIGEST))) {
            int files = in.readInt();
            for (int f = 0; f < files; f++) {
                byte[] path = new byte[in.readInt()];
                in.readFully(path);
                long count = in.readLong();
                List<byte[]> chunks = new ArrayList<>((int) Math.min(count, 1 << 20));
                while (chunks.size() < count) {
                    byte kind = in.readByte();
                    if (kind == ZEROS) {
                        long run = in.readLong();
                        if (run <= 0 || run > count - chunks.size()) {
                            return Map.of();
                        }
                        for (long i = 0; i < run; i++) {
                            chunks.add(zero);
                        }
                    } else if (kind == DIGEST_RUN) {
                        byte[] digest = new byte[DIGEST];
                        in.readFully(digest);
                        chunks.add(digest);
                    } else {
                        return Map.of();
                    }
                }
                digests.put(new String(path, StandardCharsets.UTF_8), chunks);
            }
        } catch (EOFException damaged) {
            return Map.of();
        }
        return digests;
    }

    private static byte[] sha256(byte[] content) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(content);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
