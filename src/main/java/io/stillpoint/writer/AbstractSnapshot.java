package io.stillpoint.writer;

import java.time.Instant;
import java.util.Map;

/** The part of a {@link Snapshot} every writer's is made of; how it is released is the writer's own. */
public abstract class AbstractSnapshot implements Snapshot {

    private final Instant instant;
    private final SnapshotView view;
    private final Map<String, String> facts;

    protected AbstractSnapshot(Instant instant, SnapshotView view, Map<String, String> facts) {
        this.instant = instant;
        this.view = view;
        this.facts = Map.copyOf(facts);
    }

    @Override
    public final Instant instant() {
        return instant;
    }

    @Override
    public final SnapshotView view() {
        return view;
    }

    @Override
    public final Map<String, String> facts() {
        return facts;
    }
}
