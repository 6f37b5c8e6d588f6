package io.stillpoint.host.simulated;

import java.nio.file.Path;
import java.util.Map;

/**
 * A guest's writes switched to differencing disks, as {@link SimulatedHypervisor#divert} left them.
 *
 * @param sequences per disk file name, the sequence number of the guest's last write to the base disk
 * @param overlays per disk file name, the differencing disk now taking the guest's writes
 * @param writes what the guest wrote in the tracking generation this snapshot ended
 */
public record Diversion(String snapshotId, Map<String, Long> sequences, Map<String, Path> overlays,
        WriteRecord writes) {

    public Diversion {
        sequences = Map.copyOf(sequences);
        overlays = Map.copyOf(overlays);
    }
}
