package io.stillpoint.host;

import java.nio.file.Path;
import java.util.List;

/**
 * A guest as its hypervisor describes it now.
 *
 * @param ref the hypervisor's own identifier of the guest (stable across renames)
 * @param directory the folder holding all of the guest's files (configuration, disks, saved state)
 * @param disks the guest's disk images, inside {@code directory}
 */
public record GuestInfo(
        String ref,
        String name,
        GuestState state,
        boolean canQuiesce,
        long memoryBytes,
        String guestOs,
        Path directory,
        List<Path> disks) {

    public GuestInfo {
        disks = List.copyOf(disks);
    }
}
