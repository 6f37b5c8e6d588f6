package io.stillpoint.host.hyperv;

import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.fs.UntrustedExecutableException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The settings one Hyper-V host runs with: the server's {@link HyperVConfig} with the host's own
 * settings from the catalog laid over it.
 *
 * @param powershell the vetted real path of the PowerShell executable
 * @param remoteSession how the host is reached through PowerShell remoting; empty for the local host
 * @param diskshadow diskshadow as configured or as the host names it: for a local host vetted by {@link
 *     #localDiskshadow()} before each start, for a remote one a path on that host the configuration allows
 * @param executables what the server's configuration allows to run
 * @param mountRootFromServer where this server reads and writes {@code mountRoot} of a remote host
 *     (e.g. a share of that folder); empty when the server sees it at {@code mountRoot} itself
 * @param volumes mount folders that are volumes of their own (e.g. Cluster Shared Volumes), looked up
 *     before drive letters
 */
public record HyperVSettings(
        Path powershell,
        Optional<HyperVRemote> remoteSession,
        String diskshadow,
        TrustedExecutables executables,
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
        return remoteSession.isPresent();
    }

    /** diskshadow on this server, vetted now. */
    public Path localDiskshadow() throws UntrustedExecutableException {
        return executables.vet(diskshadow);
    }
}
