package io.stillpoint.api.dto;

import io.stillpoint.backup.RepositoryDeleter;
import java.util.List;

/**
 * What deleting a repository did.
 *
 * @param restorePointsDeleted restore points deleted from the catalog with it
 * @param removed their directories removed from disk
 * @param folderRemoved whether the repository's folder is gone; it is kept, without Stillpoint's marker, when
 *     it holds anything Stillpoint did not make
 * @param problems what is still to be removed and why; the next start finishes it
 */
public record RepositoryDeleteResponse(int restorePointsDeleted, List<String> removed, boolean folderRemoved,
        List<String> problems) {

    public static RepositoryDeleteResponse of(RepositoryDeleter.Deleted deleted) {
        return new RepositoryDeleteResponse(deleted.restorePoints(), deleted.removed(), deleted.folderRemoved(),
                deleted.problems());
    }
}
