package io.stillpoint.backup;

import io.stillpoint.copy.CopyProgress;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live progress of the copies running on this node, by run or restore id. Kept in memory so the
 * copy's hot path never waits for the database; the catalog gets the totals at the end of a phase.
 */
@ApplicationScoped
public class RunProgress {

    private final Map<UUID, CopyProgress> live = new ConcurrentHashMap<>();

    public void update(UUID id, CopyProgress progress) {
        live.put(id, progress);
    }

    public Optional<CopyProgress> of(UUID id) {
        return Optional.ofNullable(live.get(id));
    }

    public void finish(UUID id) {
        live.remove(id);
    }
}
