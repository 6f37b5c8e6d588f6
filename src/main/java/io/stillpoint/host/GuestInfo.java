package io.stillpoint.host;

import java.nio.file.Path;
import java.util.List;

/**
 * A guest as its hypervisor describes it now.
 *
 * @param ref the hypervisor's own identifier of the guest (stable across renames)
 * @param directory the folder holding all of the guest's files (configuration, disks, saved state)
 * @param disks the guest's disk images, inside {@code directory} where the hypervisor keeps them together
 * @param canQuiesce whether the guest can quiesce itself now (its agent or integration service answers)
 * @param backupBlockedReason why Stillpoint cannot back the guest up (a disk it cannot snapshot), or
 *     {@code null} when it can
 * @param quiesceNote what the guest's quiescing depends on, in words for the admin (why it cannot now,
 *     say), or {@code null} when there is nothing to add
 */
public record GuestInfo(
        String ref,
        String name,
        GuestState state,
        boolean canQuiesce,
        long memoryBytes,
        String guestOs,
        Path directory,
        List<Path> disks,
        String backupBlockedReason,
        String quiesceNote) {

    public GuestInfo {
        disks = List.copyOf(disks);
    }

    /** A guest Stillpoint can back up. */
    public GuestInfo(String ref, String name, GuestState state, boolean canQuiesce, long memoryBytes, String guestOs,
            Path directory, List<Path> disks) {
        this(ref, name, state, canQuiesce, memoryBytes, guestOs, directory, disks, null, null);
    }
}
