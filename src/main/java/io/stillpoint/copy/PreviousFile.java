package io.stillpoint.copy;

import java.time.Instant;
import java.util.List;

/**
 * What the copier knows of one file of the previous restore point, from that point's manifest and chunk
 * index. The copier never reads the previous copy's content: reading would touch its atime, and its inode
 * may be shared with other points.
 *
 * @param sha256 the {@link ContentDigest} the manifest records; {@code chunkDigests} fold to it
 * @param chunkDigests one per 1 MiB chunk, in order
 * @param mode POSIX permission bits, or {@code null} where the manifest has none
 */
public record PreviousFile(long size, String sha256, List<byte[]> chunkDigests, Integer mode, String owner, String group,
        Instant modified) {

    public PreviousFile {
        chunkDigests = List.copyOf(chunkDigests);
    }
}
