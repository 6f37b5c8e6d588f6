package io.stillpoint.copy;

import java.time.Instant;
import java.util.List;

/**
 * One entry of a copied tree, as written.
 *
 * @param path the path relative to the tree's root, with {@code /} separators
 * @param size bytes of content (the logical size of a sparse file); 0 for others
 * @param sha256 the {@link ContentDigest} of the content, for {@link EntryType#FILE} only
 * @param linkTarget the symlink's target as stored, or for a hard link the path of its first name
 * @param mode POSIX permission bits, e.g. {@code 0640}; {@code null} on a file store without them
 * @param created the creation time, where the portable strategy kept it; else {@code null}
 * @param dos the DOS flags as letters R, H, S, A (see {@link PortableAttributes#letters}), or {@code null}
 * @param acl the Windows ACL, or {@code null} where the file stores have none
 */
public record CopiedEntry(
        String path,
        EntryType type,
        long size,
        String sha256,
        String linkTarget,
        Integer mode,
        String owner,
        String group,
        Instant modified,
        Instant accessed,
        Instant created,
        String dos,
        List<AccessEntry> acl) {

    public CopiedEntry {
        acl = acl == null ? null : List.copyOf(acl);
    }

    /** The same entry under another path, e.g. when a tree copied elsewhere is grafted into a result. */
    public CopiedEntry at(String newPath) {
        return new CopiedEntry(newPath, type, size, sha256, linkTarget, mode, owner, group, modified, accessed,
                created, dos, acl);
    }
}
