package io.stillpoint.copy;

public enum EntryType {
    DIRECTORY,
    FILE,
    SYMLINK,
    /** A second name of a file already copied in the same tree; {@link CopiedEntry#linkTarget()} names the first. */
    HARDLINK
}
