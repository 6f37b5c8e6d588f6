package io.stillpoint.copy;

import io.stillpoint.writer.ChangedRanges;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Copies one regular file sharing what it can with the same file of the previous restore point
 * ({@link Sharing}). It never reads the previous copy's content; it knows it by its chunk digests. The previous
 * copy is opened only read-only as a clone's source, linked to, and its attributes and extended attributes
 * looked at ({@code lstat}, {@code lgetxattr}: neither touches its times).
 *
 * <p>Chunks are read and hashed on the calling thread: an incremental copy reads little, and the work pool
 * already runs several files at once.
 */
final class SharingCopier {

    private static final int CHUNK = ContentDigest.CHUNK;

    /**
     * What sharing did for one file.
     *
     * @param linked whether the new name is a hard link to the previous copy (nothing may be set on it)
     * @param bytesShared logical data bytes (holes excluded) taken over from the previous copy
     */
    record Shared(boolean linked, SparseFileCopier.FileCopy copy, long bytesShared) {}

    private final AttributeStrategy attributes;
    private final SparseFileCopier files;
    private final ProgressMeter progress;
    private final Runnable checkpoint;
    private final ThreadLocal<ByteBuffer> buffers = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(CHUNK));

    SharingCopier(AttributeStrategy attributes, SparseFileCopier files, ProgressMeter progress, Runnable checkpoint) {
        this.attributes = attributes;
        this.files = files;
        this.progress = progress;
        this.checkpoint = checkpoint;
    }

    /**
     * Starts {@code target} (new and empty) as a clone of {@code previousCopy}, then writes only the chunks
     * whose digests differ, punches out chunks that became zeros and sets the size. Chunks not read keep the
     * previous digests.
     *
     * @param changed the tracked changes of this file, or {@code null} to compare every chunk that holds data
     *     now or did before
     * @return {@code null} when this file system cannot clone these files (nothing was written then); the
     *     errno's reason is in {@code whyNot[0]}
     */
    Shared cloneAndPatch(Path source, FileChannel in, Path target, Path previousCopy, PreviousFile previous,
            ChangedRanges changed, String[] whyNot) throws IOException {
        int errno = BlockClone.clone(previousCopy, target);
        if (errno != 0) {
            whyNot[0] = BlockClone.reason(errno);
            return null;
        }
        long size = in.size();
        long previousSize = previous.size();
        List<byte[]> before = previous.chunkDigests();
        int chunks = Math.toIntExact(ContentDigest.chunkCount(size));
        // Chunks below this cover the same byte range in both versions; from here on a chunk changed length.
        long stable = previousSize == size ? chunks : Math.min(previousSize, size) / CHUNK;
        if (size != previousSize) {
            attributes.setSize(target, size);
        }
        BitSet candidates = candidates(source, size, stable, before, changed);
        List<byte[]> after = new ArrayList<>(chunks);
        long read = 0;
        long written = 0;
        long shared = 0;
        SparseFileCopier.Ranges ranges = new SparseFileCopier.Ranges();
        ByteBuffer buffer = buffers.get();
        try (DataExtents extents = attributes.extents(source, size);
                FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            for (int i = 0; i < chunks; i++) {
                long offset = (long) i * CHUNK;
                int length = (int) Math.min(CHUNK, size - offset);
                if (!candidates.get(i)) {
                    byte[] kept = before.get(i);
                    after.add(kept);
                    shared += ContentDigest.isZeroChunk(kept) ? 0 : length;
                    progress.addBytes(length);
                    continue;
                }
                checkpoint.run();
                files.dataRanges(extents, offset, length, ranges);
                long dataBytes = ranges.bytes();
                read += dataBytes;
                buffer.clear();
                SparseFileCopier.readChunk(source, in, buffer, offset, length, ranges);
                ByteBuffer chunk = buffer.slice(0, length);
                boolean zero = dataBytes == 0 || SparseFileCopier.isZero(source, chunk, length);
                byte[] digest = zero && length == CHUNK ? ContentDigest.ZERO_CHUNK_DIGEST : ContentDigest.chunkDigest(chunk);
                after.add(digest);
                boolean unchanged = i < stable && Arrays.equals(digest, before.get(i));
                if (unchanged) {
                    shared += zero ? 0 : length;
                } else {
                    long clonedEnd = Math.min(offset + length, previousSize);
                    boolean wholeChunkWritten = !zero && ranges.count == 1 && ranges.start[0] == offset
                            && ranges.end[0] == offset + length;
                    if (clonedEnd > offset && !wholeChunkWritten) {
                        BlockClone.punchHole(target, offset, clonedEnd - offset);
                    }
                    if (!zero) {
                        for (int r = 0; r < ranges.count; r++) {
                            int from = (int) (ranges.start[r] - offset);
                            int to = (int) (ranges.end[r] - offset);
                            SparseFileCopier.writeFully(out, buffer.slice(from, to - from), ranges.start[r]);
                        }
                        written += dataBytes;
                    }
                }
                progress.addBytes(length);
            }
        }
        return new Shared(false, new SparseFileCopier.FileCopy(ContentDigest.fold(after), after, read, written), shared);
    }

    /**
     * The chunks to read: with tracked changes those the ranges touch; without, those holding data in the
     * source now or in the previous copy before; in both cases every chunk from {@code stable} on.
     */
    private BitSet candidates(Path source, long size, long stable, List<byte[]> before, ChangedRanges changed)
            throws IOException {
        int chunks = Math.toIntExact(ContentDigest.chunkCount(size));
        BitSet candidates = new BitSet(chunks);
        candidates.set((int) Math.min(stable, chunks), chunks);
        if (changed != null) {
            for (ChangedRanges.Range range : changed.ranges()) {
                if (range.offset() >= size) {
                    continue;
                }
                long end = Math.min(range.end(), size);
                candidates.set((int) (range.offset() / CHUNK), (int) ((end + CHUNK - 1) / CHUNK));
            }
            return candidates;
        }
        try (DataExtents extents = attributes.extents(source, size)) {
            for (int i = 0; i < stable; i++) {
                long offset = (long) i * CHUNK;
                boolean dataBefore = !ContentDigest.isZeroChunk(before.get(i));
                if (dataBefore || extents == null || extents.nextData(offset) < Math.min(offset + CHUNK, size)) {
                    candidates.set(i);
                }
            }
        }
        return candidates;
    }

    /**
     * Whether {@code source} may be a hard link to {@code previousCopy}: the same metadata (mode, owner,
     * group, mtime as the previous point's manifest recorded them and as the previous inode holds them, and
     * the same extended attributes and ACLs) and the same content. The access time is not compared: the
     * copier reads without moving it ({@link NoAtime}) where it may, but the guest, the host or a file
     * system mounted {@code strictatime} move it on any read, and then nothing would ever be linked; the
     * linked entry records the previous inode's access time instead, which is what the point holds. Content
     * is known unchanged from tracked changes without reading; otherwise the source is read chunk by chunk (holes are not
     * read) until the first chunk whose digest differs. Those bytes are read again by the whole copy that
     * follows a mismatch: at worst a changed file costs one extra read of its unchanged head.
     *
     * @param changed the tracked changes of this file, or {@code null} to compare
     * @param read receives the bytes read from the source
     */
    boolean canLink(SourceTree.Entry source, Map<String, byte[]> extended, Path previousCopy, PreviousFile previous,
            ChangedRanges changed, long[] read) throws IOException {
        if (source.portable() != null || source.size() != previous.size()
                || !Objects.equals(attributes.mode(source), previous.mode())
                || !Objects.equals(source.owner(), previous.owner()) || !Objects.equals(source.group(), previous.group())
                || !source.modified().toInstant().equals(previous.modified())) {
            return false;
        }
        Map<String, Object> inode = Files.readAttributes(previousCopy,
                "unix:mode,uid,gid,size,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        if (((Integer) inode.get("mode") & 07777) != (source.mode() & 07777) || (Integer) inode.get("uid") != source.uid()
                || (Integer) inode.get("gid") != source.gid() || (Long) inode.get("size") != source.size()
                || !sameInstant((FileTime) inode.get("lastModifiedTime"), source.modified())
                || !sameXattrs(extended, Xattrs.read(previousCopy))) {
            return false;
        }
        if (changed != null) {
            return changed.length() == previous.size()
                    && changed.ranges().stream().noneMatch(r -> r.offset() < previous.size());
        }
        return sameContent(source.source(), previous, read);
    }

    private boolean sameContent(Path source, PreviousFile previous, long[] read) throws IOException {
        long size = previous.size();
        SparseFileCopier.Ranges ranges = new SparseFileCopier.Ranges();
        ByteBuffer buffer = buffers.get();
        try (FileChannel in = attributes.openSource(source);
                DataExtents extents = attributes.extents(source, size)) {
            if (in.size() != size) {
                return false;
            }
            for (int i = 0; i < previous.chunkDigests().size(); i++) {
                checkpoint.run();
                long offset = (long) i * CHUNK;
                int length = (int) Math.min(CHUNK, size - offset);
                files.dataRanges(extents, offset, length, ranges);
                byte[] digest;
                if (ranges.count == 0 && length == CHUNK) {
                    digest = ContentDigest.ZERO_CHUNK_DIGEST;
                } else {
                    read[0] += ranges.bytes();
                    buffer.clear();
                    SparseFileCopier.readChunk(source, in, buffer, offset, length, ranges);
                    digest = ContentDigest.chunkDigest(buffer.slice(0, length));
                }
                if (!Arrays.equals(digest, previous.chunkDigests().get(i))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean sameInstant(FileTime a, FileTime b) {
        return a.toInstant().equals(b.toInstant());
    }

    private static boolean sameXattrs(Map<String, byte[]> a, Map<String, byte[]> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (Map.Entry<String, byte[]> e : a.entrySet()) {
            if (!Arrays.equals(e.getValue(), b.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
