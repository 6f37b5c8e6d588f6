package io.stillpoint.host;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * One hypervisor connection (a "host"). Adapters live in sub-packages and are created by a {@link
 * HypervisorFactory} chosen by {@link #kind()}.
 *
 * <p>Contract, checked for every adapter by {@code HypervisorContract}:
 *
 * <ul>
 *   <li>every call either completes within the adapter's deadline or throws {@link HostException};
 *       none pretends success;
 *   <li>{@link #hold} returns only once the guest is still, and the returned hold's {@code close()}
 *       brings it back to its prior state; if {@code hold} itself fails the adapter has already tried
 *       to undo what it did;
 *   <li>{@link #start} brings a PAUSED, SAVED or OFF guest to RUNNING, resuming a SAVED one from its
 *       saved memory; it is a no-op on a RUNNING guest.
 * </ul>
 */
public interface Hypervisor extends AutoCloseable {

    String kind();

    String name();

    HostCapabilities capabilities();

    List<GuestInfo> guests();

    /** @throws GuestNotFoundException if the guest does not exist (any more) */
    GuestInfo guest(String ref);

    /** Creates a guest; only where {@link HostCapabilities#canCreateGuests()}. */
    GuestInfo create(GuestSpec spec);

    /**
     * Takes an existing guest under this host's care; only where {@link
     * HostCapabilities#canRegisterGuests()}.
     *
     * @param settings how to reach the guest, in the adapter's terms (e.g. {@code qmpSocket})
     * @throws InvalidGuestSpecException naming the setting that is missing or wrong
     */
    default GuestInfo register(Map<String, String> settings) {
        throw new HostException("host '" + name() + "' (" + kind() + ") cannot register existing guests");
    }

    /**
     * Holds a guest still. On a guest that is not RUNNING nothing is done and the hold's close is a
     * no-op: such a guest is already still.
     */
    GuestHold hold(String ref, HoldMode mode);

    void start(String ref);

    /** Clean shutdown to OFF (no-op when OFF). */
    void stop(String ref);

    /**
     * Re-reads a guest whose files were replaced while it was OFF (an in-place restore). The guest is
     * then OFF, or SAVED when the restored files hold saved memory that a start resumes from.
     */
    void reload(String ref);

    /**
     * Whether an in-place restore hands its staged copy to {@link #restoreInPlace}, for a host whose guests
     * do not keep their files in one folder of their own; otherwise the pipeline swaps {@link
     * GuestInfo#directory()} whole.
     */
    default boolean restoresInPlaceItself() {
        return false;
    }

    /**
     * Puts a restore point's files, copied to {@code staged}, in place of the guest's, which is OFF: all of
     * them or, on failure, none. What they replace is deleted, or kept when {@code keepPrevious}.
     */
    default void restoreInPlace(String ref, Path staged, UUID restoreId, boolean keepPrevious) {
        throw new HostException("host '" + name() + "' restores in place by swapping the guest's folder");
    }

    /**
     * After a crash: puts back what an interrupted {@link #restoreInPlace} had replaced, from its staged
     * copy, which still holds the restore point's files and their list.
     *
     * @return what was done, in words for the restore's error
     */
    default String rollBackInPlace(Path staged, UUID restoreId) {
        return "nothing to roll back";
    }

    /**
     * Where a new guest called {@code name} would keep its folder on this host, for a restore to stage
     * a copy beside it.
     *
     * @throws HostException if this host cannot take guests restored as new ones
     */
    default Path newGuestDirectory(String name) {
        throw new HostException("host '" + name() + "' cannot take a restored guest as a new one");
    }

    /**
     * Registers the restored copy of another guest's folder, already at {@link #newGuestDirectory}, as a
     * new guest called {@code name} with an identity of its own (id, disk file names, MAC where there is
     * one). The new guest is OFF, or SAVED when the copy holds saved memory.
     */
    default GuestInfo importGuest(Path directory, String name) {
        throw new HostException("host '" + name() + "' cannot take a restored guest as a new one");
    }

    /** Gives access to adapter-specific features for writers of the same family. */
    default <T> Optional<T> unwrap(Class<T> type) {
        return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
    }

    @Override
    default void close() {}
}
