package io.stillpoint.repository;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code manifest.json}: what a restore point holds and how to check it. Written last, fsynced, and
 * only then is the restore point's directory renamed to its final name.
 *
 * @param snapshotAt the point in time the restore point brings the VM back to
 * @param entries every entry under {@code files/} (the VM's folder) and {@code metadata/} (writer
 *     documents), with content digests in {@link #digestAlgorithm()}
 */
public record Manifest(
        int format,
        UUID restorePointId,
        ManifestVm vm,
        Instant snapshotAt,
        String mode,
        String consistency,
        String writer,
        String digestAlgorithm,
        Map<String, String> snapshotFacts,
        long totalBytes,
        long fileCount,
        List<ManifestEntry> entries) {

    public static final int FORMAT = 1;

    public Manifest {
        snapshotFacts = Map.copyOf(snapshotFacts);
        entries = List.copyOf(entries);
    }
}
