package io.stillpoint.copy;

import java.time.Instant;

/**
 * One entry of a copied tree, as written.
 *
 * @param path the path relative to the tree's root, with {@code /} separators
 * @param size bytes of content (the logical size of a sparse file); 0 for others
 * @param sha256 the {@link ContentDigest} of the content, for {@link EntryType#FILE} only
 * @param linkTarget the symlink's target as stored, or for a hard link the path of its first name
 * @param mode POSIX permission bits, e.g. {@code 0640}
 */
public record CopiedEntry(
        String path,
        EntryType type,
        long size,
        String sha256,
        String linkTarget,
        int mode,
        String owner,
        String group,
        Instant modified,
        Instant accessed) {}
