package io.stillpoint.host.simulated;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

/**
 * The blocks a guest wrote to each disk since its last snapshot, as a differencing disk knows them, kept
 * across snapshots in generations: each snapshot ends the generation that was recording and starts a new
 * one, so a restore point's generation says which writes came after it.
 *
 * <p>The record lives in the host's folder ({@code <root>/.tracking/<guest id>.properties}), not in the
 * guest's, which is backed up whole. While the host runs, that file says the tracking is lost, which is
 * what a crash leaves behind; only a clean close replaces it, atomically, with the record itself. Callers
 * hold the guest's lock.
 */
final class WriteTracking {

    static final String FOLDER = ".tracking";
    static final String FIRST = "no earlier tracking: first snapshot of this guest";
    static final String CRASHED = "tracking lost: the simulated host stopped without saving it";

    private static final String GENERATION = "generation";
    private static final String LOST = "lost";
    private static final String DISK = "disk.";

    /** Null when the guest's id gives no safe file name: the record then never outlives the process. */
    private final Path file;
    private final Map<String, BitSet> written = new LinkedHashMap<>();
    /** Recording since the guest's last snapshot; null before its first. */
    private String generation;
    /** Why {@link #generation} may miss writes; null while it provably has them all. */
    private String lost;

    private WriteTracking(Path file, String generation, String lost) {
        this.file = file;
        this.generation = generation;
        this.lost = lost;
    }

    /**
     * Reads the record a clean close left for the guest and marks it in use, so that a crash from now on
     * makes the next snapshot untracked.
     */
    static WriteTracking open(Path hostRoot, String guestId) throws IOException {
        if (!isGeneratedId(guestId)) {
            return new WriteTracking(null, null, "tracking lost: the guest's id '" + guestId
                    + "' is none the simulated host generates, so its record has no file");
        }
        Path folder = hostRoot.resolve(FOLDER);
        Path file = folder.resolve(guestId + ".properties");
        WriteTracking tracking;
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            Properties saved = new Properties();
            saved.load(in);
            tracking = new WriteTracking(file, saved.getProperty(GENERATION), saved.getProperty(LOST));
            for (String key : saved.stringPropertyNames()) {
                if (key.startsWith(DISK)) {
                    tracking.written.put(key.substring(DISK.length()), blocks(saved.getProperty(key)));
                }
            }
        } catch (NoSuchFileException first) {
            tracking = new WriteTracking(file, null, null);
        } catch (IOException | IllegalArgumentException unreadable) {
            tracking = new WriteTracking(file, null, "tracking lost: its record " + file + " is unreadable ("
                    + unreadable.getMessage() + ")");
        }
        Files.createDirectories(folder);
        if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(folder + " is a link, not the simulated host's own folder");
        }
        tracking.write(CRASHED, Map.of());
        return tracking;
    }

    /** Notes a write the guest is about to make; before it, so a write that fails halfway is covered too. */
    void record(String disk, long offset, int length) {
        if (length <= 0) {
            return;
        }
        int first = (int) (offset / SimulatedDisks.BLOCK_SIZE);
        int end = (int) ((offset + length - 1) / SimulatedDisks.BLOCK_SIZE) + 1;
        written.computeIfAbsent(disk, d -> new BitSet()).set(first, end);
    }

    /** Ends the recording generation at a snapshot instant and starts a new one. */
    WriteRecord handOver() {
        String next = UUID.randomUUID().toString();
        String reason = lost != null ? lost : generation == null ? FIRST : null;
        Map<String, List<WriteRecord.Extent>> extents = new LinkedHashMap<>();
        written.forEach((disk, blocks) -> extents.put(disk, extents(blocks)));
        WriteRecord handed = new WriteRecord(next, generation, reason, extents);
        generation = next;
        lost = null;
        written.clear();
        return handed;
    }

    /** From now until the next snapshot, the recording generation is known to miss writes. */
    void lose(String reason) {
        lost = reason;
        written.clear();
    }

    /** Writes the record for the next start; the last thing the host does with the guest. */
    void save() throws IOException {
        write(lost, written);
    }

    private void write(String lostReason, Map<String, BitSet> blocks) throws IOException {
        if (file == null) {
            return;
        }
        Properties record = new Properties();
        if (generation != null) {
            record.setProperty(GENERATION, generation);
        }
        if (lostReason != null) {
            record.setProperty(LOST, lostReason);
        } else {
            blocks.forEach((disk, set) -> record.setProperty(DISK + disk, ranges(set)));
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        record.store(bytes, null);
        AtomicFiles.write(file, bytes.toByteArray());
    }

    private static List<WriteRecord.Extent> extents(BitSet blocks) {
        List<WriteRecord.Extent> extents = new ArrayList<>();
        for (int from = blocks.nextSetBit(0); from >= 0; from = blocks.nextSetBit(from)) {
            int to = blocks.nextClearBit(from);
            extents.add(new WriteRecord.Extent((long) from * SimulatedDisks.BLOCK_SIZE,
                    (long) (to - from) * SimulatedDisks.BLOCK_SIZE));
            from = to;
        }
        return extents;
    }

    /** Block ranges as {@code from-to,from-to} (end exclusive): a guest's writes cluster, so this stays short. */
    private static String ranges(BitSet blocks) {
        StringBuilder text = new StringBuilder();
        for (int from = blocks.nextSetBit(0); from >= 0; from = blocks.nextSetBit(from)) {
            int to = blocks.nextClearBit(from);
            text.append(text.length() == 0 ? "" : ",").append(from).append('-').append(to);
            from = to;
        }
        return text.toString();
    }

    private static BitSet blocks(String ranges) {
        BitSet blocks = new BitSet();
        if (ranges.isEmpty()) {
            return blocks;
        }
        for (String range : ranges.split(",")) {
            String[] ends = range.split("-");
            if (ends.length != 2) {
                throw new IllegalArgumentException("bad block range '" + range + "'");
            }
            blocks.set(Integer.parseInt(ends[0]), Integer.parseInt(ends[1]));
        }
        return blocks;
    }

    private static boolean isGeneratedId(String id) {
        try {
            SimulatedGuest.generatedId(id);
            return true;
        } catch (IllegalArgumentException notAnId) {
            return false;
        }
    }
}
