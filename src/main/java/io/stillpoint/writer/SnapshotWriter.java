package io.stillpoint.writer;

import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.Hypervisor;
import java.nio.file.Path;

/**
 * A snapshot provider: the VSS writer of this world. It turns a held guest into a point-in-time,
 * read-only view of all of the guest's files, so the guest can run again while the view is copied.
 *
 * <p>Contract, checked for every adapter by {@code SnapshotWriterContract}:
 *
 * <ol>
 *   <li>{@link #prepare} does the slow work (sessions, metadata) before the guest is held;
 *   <li>{@link PreparedSnapshot#create()} is the point in time; it runs while the guest is held and must
 *       be fast;
 *   <li>the view of a {@link Snapshot} does not change while the guest goes on writing, until the
 *       snapshot is closed;
 *   <li>{@link Snapshot#close()} releases everything (overlays merged, shadows deleted) and the guest
 *       keeps every write it made in between;
 *   <li>{@link #recover} cleans up what a crashed process left behind.
 * </ol>
 */
public interface SnapshotWriter {

    /** The id stored in the catalog and named by jobs, e.g. {@code "simulated"}, {@code "hyperv-vss"}. */
    String kind();

    /** Whether this server can use the writer at all, as {@code GET /api/writers} lists it. */
    WriterAvailability availability();

    /**
     * Whether the writer can snapshot guests of {@code host}: as {@link #availability()}, unless the
     * writer's tools run on the host itself, as a remote Hyper-V host's diskshadow does.
     */
    default WriterAvailability availabilityFor(Hypervisor host) {
        return availability();
    }

    /** Whether this writer can snapshot guests of the given host kind. */
    boolean supportsHost(String hostKind);

    /**
     * @param workDir a private folder for this snapshot's scratch and metadata files; it is removed by
     *     the caller after the snapshot is closed
     */
    PreparedSnapshot prepare(Hypervisor host, GuestInfo guest, Path workDir);

    /** Releases snapshots of this host's guests left behind by a process that died. */
    default void recover(Hypervisor host) {}
}
