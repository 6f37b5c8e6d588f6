package io.stillpoint.copy;

/**
 * How a file of a new restore point shares data with the same file of the previous point. Either way the
 * new point is a complete, plain folder of its own: sharing is the file system's business (shared extents
 * or a shared inode), never a chain of points that depend on each other, so any point restores alone and
 * any can be deleted first. Deleting one point only drops the file system's reference to what it shared.
 */
public enum Sharing {
    /**
     * The new file starts as a reflink clone ({@code FICLONE}) of the previous copy, a new inode sharing its
     * blocks; then only the 1 MiB chunks whose digest differs are written, and chunks now all zeros are
     * punched out. For file systems that clone: XFS with reflink, btrfs ({@link BlockClone#probe}).
     */
    CLONE,
    /**
     * A file whose content and metadata (mode, owner, group, times, extended attributes and ACLs) are all as
     * in the previous point becomes a hard link to the previous copy, the same inode; any other file is
     * copied whole. For file systems that cannot clone, such as ext4. Nothing is ever set on a linked inode:
     * it belongs to a committed point.
     */
    LINK
}
