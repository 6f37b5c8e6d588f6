package io.stillpoint.writer;

import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.Hypervisor;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Wraps any writer and fails once at a chosen step, to prove what callers do when a writer fails there.
 */
public final class FaultySnapshotWriter implements SnapshotWriter {

    public enum Step {
        /** {@code prepare} fails; nothing was prepared. */
        PREPARE,
        /** {@code create} fails before the snapshot is taken. */
        CREATE,
        /** The snapshot is taken and released again, then {@code create} reports a failure. */
        AFTER_CREATE,
        /** {@code Snapshot.close} fails once without releasing; a second close releases. */
        RELEASE,
        /** {@code recover} fails. */
        RECOVER
    }

    private final SnapshotWriter delegate;
    private final Set<Step> armed = ConcurrentHashMap.newKeySet();

    public FaultySnapshotWriter(SnapshotWriter delegate) {
        this.delegate = delegate;
    }

    public FaultySnapshotWriter failNext(Step step) {
        armed.add(step);
        return this;
    }

    @Override
    public String kind() {
        return delegate.kind();
    }

    @Override
    public WriterAvailability availability() {
        return delegate.availability();
    }

    @Override
    public boolean supportsHost(String hostKind) {
        return delegate.supportsHost(hostKind);
    }

    @Override
    public PreparedSnapshot prepare(Hypervisor host, GuestInfo guest, Path workDir) {
        trip(Step.PREPARE);
        PreparedSnapshot prepared = delegate.prepare(host, guest, workDir);
        return new PreparedSnapshot() {
            @Override
            public Snapshot create() {
                trip(Step.CREATE);
                Snapshot snapshot = prepared.create();
                if (armed.remove(Step.AFTER_CREATE)) {
                    snapshot.close();
                    throw injected(Step.AFTER_CREATE);
                }
                return new FaultySnapshot(snapshot);
            }

            @Override
            public void close() {
                prepared.close();
            }
        };
    }

    @Override
    public void recover(Hypervisor host) {
        trip(Step.RECOVER);
        delegate.recover(host);
    }

    private void trip(Step step) {
        if (armed.remove(step)) {
            throw injected(step);
        }
    }

    private static SnapshotException injected(Step step) {
        return new SnapshotException("injected failure at " + step);
    }

    private final class FaultySnapshot implements Snapshot {
        private final Snapshot delegate;

        FaultySnapshot(Snapshot delegate) {
            this.delegate = delegate;
        }

        @Override
        public Instant instant() {
            return delegate.instant();
        }

        @Override
        public SnapshotView view() {
            return delegate.view();
        }

        @Override
        public Map<String, String> facts() {
            return delegate.facts();
        }

        @Override
        public ChangeTracking changesSince(Map<String, String> previousFacts) {
            return delegate.changesSince(previousFacts);
        }

        @Override
        public void close() {
            trip(Step.RELEASE);
            delegate.close();
        }
    }
}
