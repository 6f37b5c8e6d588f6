package io.stillpoint.host;

import java.nio.file.Path;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * A host that runs a guest straight from a restore point's files (instant recovery), reached through
 * {@link Hypervisor#unwrap}. Contract:
 *
 * <ul>
 *   <li>nothing ever writes into the restore point: the guest's disks are copy-on-write overlays in a
 *       folder of the host that Stillpoint makes and marks as the recovery's, whose backing files are the
 *       point's, opened read-only;
 *   <li>{@link #moveDisks} copies the running guest's disks into the host's storage while it runs and
 *       switches it over to them; afterwards nothing of the guest refers to the restore point, and it is an
 *       ordinary guest of the host;
 *   <li>after a crash of the server, {@link #resumeMove} either finishes a move whose switch-over QEMU had
 *       already done, or undoes the copy so that the move can be asked for again;
 *   <li>{@link #discard} deletes only what {@link #startFromPoint} made, in its marked folder, never
 *       following a link.
 * </ul>
 */
public interface InstantGuests {

    /** Folder marker purpose of a recovery's overlays, and of a move's target folder until it is done. */
    String PURPOSE = "instant-recovery";

    /**
     * Creates the guest {@code name} on top of the restore point's files in {@code pointFiles} (the VM's
     * folder as backed up) and starts it.
     *
     * @throws InvalidGuestSpecException naming {@code name} when the name is taken or unusable, or {@code
     *     restorePoint} when the point's guest cannot run this way
     */
    GuestInfo startFromPoint(Path pointFiles, String name, UUID recoveryId);

    /**
     * Where a move with no folder given puts the guest's disks: its own folder on the host.
     */
    Path defaultMoveTarget(String ref);

    /** How far a move has got, in bytes over every disk; {@code ready} once every copy has caught up. */
    record MoveProgress(long bytesDone, long bytesTotal, boolean ready) {}

    /**
     * Copies the guest's disks into {@code target} while it runs, then switches the guest over to the
     * copies and updates how it is started, so a restart starts from them too. Blocks until done.
     *
     * @param target a folder that does not exist or is empty, or the guest's own folder
     * @param bytesPerSecond how fast each disk may be copied, 0 for as fast as it goes
     */
    void moveDisks(String ref, UUID recoveryId, Path target, long bytesPerSecond, Consumer<MoveProgress> progress);

    /** What {@link #resumeMove} found and did. */
    enum MoveOutcome { FINISHED, UNDONE }

    /** After a server crash during {@link #moveDisks}: finishes it or undoes it (see the class comment). */
    MoveOutcome resumeMove(String ref, UUID recoveryId, Path target);

    /** Stops the guest (QEMU quits), forgets it, and deletes its overlays and its marked folder. */
    void discard(String ref, UUID recoveryId);
}
