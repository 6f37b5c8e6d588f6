package io.stillpoint.api.dto;

import io.stillpoint.repository.RepositoryReport;
import java.util.List;
import java.util.UUID;

/**
 * What a repository check found; every path is relative to the repository's folder.
 *
 * @param removed Stillpoint's own leftovers removed by this check (none on a dry run)
 * @param leftovers Stillpoint's own leftovers found: restore points whose deletion the catalog recorded, and
 *     {@code .partial} directories of runs that no longer write them
 * @param unknown what the catalog does not know; reported, never removed
 * @param notInCatalog complete restore points among {@code unknown}, e.g. after re-attaching the folder
 * @param missing restore points in the catalog ({@code <vm id>/<restore point id>}) whose files are gone
 * @param problems why the folder, or some of it, could not be checked or cleaned
 */
public record RepositoryCheckResponse(
        UUID repositoryId,
        boolean dryRun,
        List<String> removed,
        List<String> leftovers,
        List<String> unknown,
        List<RepositoryReport.FoundPoint> notInCatalog,
        List<String> missing,
        List<String> problems) {

    public static RepositoryCheckResponse of(UUID repositoryId, boolean dryRun, RepositoryReport report) {
        return new RepositoryCheckResponse(repositoryId, dryRun, report.removed(), report.leftovers(), report.unknown(),
                report.notInCatalog(), report.missing(), report.problems());
    }
}
