package io.stillpoint.inventory;

import io.stillpoint.host.Hypervisor;
import io.stillpoint.writer.SnapshotWriter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The snapshot writers of this server by kind; two writers of one kind fail start-up. */
@ApplicationScoped
public class WriterRegistry {

    private final Map<String, SnapshotWriter> writers = new TreeMap<>();

    WriterRegistry(Instance<SnapshotWriter> beans) {
        for (SnapshotWriter writer : beans) {
            SnapshotWriter clash = writers.put(writer.kind(), writer);
            if (clash != null) {
                throw new IllegalStateException("two snapshot writers claim the kind '" + writer.kind() + "'");
            }
        }
    }

    public Collection<SnapshotWriter> all() {
        return writers.values();
    }

    public java.util.Set<String> kinds() {
        return writers.keySet();
    }

    public Optional<SnapshotWriter> byKind(String kind) {
        return Optional.ofNullable(writers.get(kind));
    }

    /** The writer to use for a host when none is named: the first one that supports it and is available for it. */
    public Optional<SnapshotWriter> defaultFor(Hypervisor host) {
        return writers.values().stream()
                .filter(w -> w.supportsHost(host.kind()) && w.availabilityFor(host).available())
                .findFirst();
    }
}
