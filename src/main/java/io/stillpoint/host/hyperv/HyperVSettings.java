package io.stillpoint.host.hyperv;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The settings one Hyper-V host runs with: the server's {@link HyperVConfig} with the host's own
 * settings from the catalog laid over it.
 *
 * @param remotePrefix a PowerShell command that runs a script block elsewhere, e.g. {@code
 *     Invoke-Command -ComputerName HV01}; empty for the local host
 * @param mountRootFromServer where this server reads and writes {@code mountRoot} of a remote host
 *     (e.g. a share of that folder); empty when the server sees it at {@code mountRoot} itself
 * @param volumes mount folders that are volumes of their own (e.g. Cluster Shared Volumes), looked up
 *     before drive letters
 */
public record HyperVSettings(
        String powershell,
        Optional<String> remotePrefix,
        String diskshadow,
        String mountRoot,
        Optional<String> mountRootFromServer,
        List<String> volumes,
        Duration commandTimeout,
        Duration importTimeout,
        Duration saveTimeout,
        Duration snapshotTimeout,
        Duration releaseTimeout,
        Duration maxExposure) {

    public HyperVSettings {
        volumes = List.copyOf(volumes);
    }

    public boolean remote() {
        return remotePrefix.isPresent();
    }
}
