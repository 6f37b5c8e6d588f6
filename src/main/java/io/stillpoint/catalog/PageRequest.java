package io.stillpoint.catalog;

import java.time.Instant;
import java.util.UUID;

/**
 * One page of a list ordered newest first by an instant, then by id: at most {@code limit} items that come
 * after the item with sort key ({@code afterAt}, {@code afterId}), or from the start when that is null. The
 * key of the last item shown stays valid while newer items arrive, unlike an offset.
 */
public record PageRequest(int limit, Instant afterAt, UUID afterId) {

    public static PageRequest first(int limit) {
        return new PageRequest(limit, null, null);
    }
}
