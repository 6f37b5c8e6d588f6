package io.stillpoint.writer;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a backup copies.
 *
 * @param root a directory laid out as the guest's folder at the snapshot instant
 * @param metadata writer documents to keep beside the files (e.g. {@code backup.cab}), by file name
 * @param grafts folders of the guest that lie outside {@code root} (e.g. disks on another volume, each
 *     exposed from its own shadow copy), by the relative path they take in the copy; a writer that cannot
 *     lay them out under one root lists them here instead of linking them in
 */
public record SnapshotView(Path root, Map<String, Path> metadata, Map<String, Path> grafts) {

    public SnapshotView {
        metadata = Map.copyOf(metadata);
        grafts = Map.copyOf(grafts);
    }

    /** A view whose files all lie under {@code root}. */
    public SnapshotView(Path root, Map<String, Path> metadata) {
        this(root, metadata, Map.of());
    }
}
