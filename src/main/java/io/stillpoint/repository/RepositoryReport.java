package io.stillpoint.repository;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * What a repository check found, each entry named relative to the repository's folder.
 *
 * @param removed Stillpoint's own leftovers that this check removed
 * @param leftovers Stillpoint's own leftovers found: restore points whose deletion the catalog recorded, and
 *     {@code .partial} directories it marked for a run that no longer writes them; removed unless dry run
 * @param unknown everything else the catalog does not know; reported, never removed
 * @param notInCatalog the entries of {@code unknown} that are complete restore points (a readable manifest
 *     naming the directory's id), e.g. of a repository re-attached after a reinstall
 * @param missing restore points in the catalog whose directory or manifest is gone
 * @param problems why something could not be checked or removed
 */
public record RepositoryReport(
        List<String> removed,
        List<String> leftovers,
        List<String> unknown,
        List<FoundPoint> notInCatalog,
        List<String> missing,
        List<String> problems) {

    public RepositoryReport {
        removed = List.copyOf(removed);
        leftovers = List.copyOf(leftovers);
        unknown = List.copyOf(unknown);
        notInCatalog = List.copyOf(notInCatalog);
        missing = List.copyOf(missing);
        problems = List.copyOf(problems);
    }

    /** A report of a repository that could not be looked into at all. */
    public static RepositoryReport unchecked(String problem) {
        return new RepositoryReport(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(problem));
    }

    /** A complete restore point the catalog does not list, as its manifest describes it. */
    public record FoundPoint(
            String path,
            @Schema(nullable = true) UUID restorePointId,
            @Schema(nullable = true) UUID vmId,
            @Schema(nullable = true) String vmName,
            @Schema(nullable = true) Instant snapshotAt) {}
}
