package io.stillpoint.writer;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a backup copies.
 *
 * @param root a directory laid out as the guest's folder at the snapshot instant
 * @param metadata writer documents to keep beside the files (e.g. {@code backup.cab}), by file name
 */
public record SnapshotView(Path root, Map<String, Path> metadata) {

    public SnapshotView {
        metadata = Map.copyOf(metadata);
    }
}
