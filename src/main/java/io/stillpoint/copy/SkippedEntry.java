package io.stillpoint.copy;

/**
 * Something the copier did not copy, and why: a whole entry (sockets, FIFOs, devices) or one
 * attribute of an entry that was copied (an owner or extended attribute the process may not set).
 *
 * @param attribute {@code null} when the whole entry was skipped; otherwise the attribute lost,
 *     {@code "owner"} or an extended attribute's name such as {@code "trusted.overlay.opaque"}
 */
public record SkippedEntry(String path, String reason, String attribute) {

    public SkippedEntry(String path, String reason) {
        this(path, reason, null);
    }

    public boolean wholeEntry() {
        return attribute == null;
    }
}
