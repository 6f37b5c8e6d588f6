package io.stillpoint.api.dto;

import io.stillpoint.inventory.HostRefresh;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * What {@code POST /api/hosts/{id}/refresh} changed in the catalog. With {@code error} set the host could
 * not be listed and nothing changed: no VM is taken for vanished because its host did not answer.
 */
public record HostRefreshResponse(
        UUID hostId,
        String hostName,
        Instant refreshedAt,
        List<HostRefresh.Change> added,
        List<HostRefresh.Change> vanished,
        List<HostRefresh.Change> returned,
        List<HostRefresh.Change> renamed,
        @Schema(nullable = true) String error) {

    public static HostRefreshResponse of(HostRefresh.Outcome outcome) {
        return new HostRefreshResponse(outcome.hostId(), outcome.hostName(), outcome.refreshedAt(), outcome.added(),
                outcome.vanished(), outcome.returned(), outcome.renamed(), outcome.error());
    }
}
