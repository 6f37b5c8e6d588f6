package io.stillpoint.host.hyperv;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * Server-wide defaults for Hyper-V hosts and the Hyper-V VSS writer. A host's settings in the catalog
 * override the tool paths per host (see {@link HyperVHypervisorFactory}).
 */
@ConfigMapping(prefix = "stillpoint.hyperv")
public interface HyperVConfig {

    /**
     * The PowerShell executable that runs the Hyper-V cmdlets: {@code powershell.exe} (Windows PowerShell
     * 5.1) or {@code pwsh} (PowerShell 7), found on the PATH, or an absolute path. On a host that is not
     * Windows only an absolute path counts, so that a stand-in can be named explicitly.
     */
    @WithDefault("powershell.exe")
    String powershell();

    /**
     * The diskshadow executable ({@code %SystemRoot%\System32\diskshadow.exe} on Windows Server). On a
     * host that is not Windows only an absolute path counts.
     */
    @WithDefault("diskshadow.exe")
    String diskshadow();

    /**
     * Where shadow copies are exposed as mount folders, one folder per snapshot and volume. It must be
     * an empty or missing folder on a local NTFS volume, outside any folder a backup copies.
     */
    @WithDefault("${stillpoint.home}/hyperv-shadows")
    String mountRoot();

    /** Deadline of each inventory or power cmdlet (Get-VM, Suspend-VM, Resume-VM, Start-VM, Stop-VM). */
    @WithDefault("PT60S")
    Duration commandTimeout();

    /**
     * Deadline of importing a restored VM as a new one: Import-VM copies its disks, so this grows with
     * their size.
     */
    @WithDefault("PT6H")
    Duration importTimeout();

    /**
     * Deadline of Save-VM. When it passes, the guest's state is read again and the guest is left
     * running.
     */
    @WithDefault("PT120S")
    Duration saveTimeout();

    /**
     * How long diskshadow may take from its start until every shadow copy is exposed ({@code writer
     * verify}, {@code create} with the writers' freeze and thaw, {@code expose}).
     */
    @WithDefault("PT180S")
    Duration snapshotTimeout();

    /** How long diskshadow may take to unexpose, end the backup and delete the shadow copies. */
    @WithDefault("PT120S")
    Duration releaseTimeout();

    /**
     * The longest a diskshadow session stays open waiting for the copy to finish. After that it quits
     * without {@code end backup}, and the writer's recovery deletes the shadow copies.
     */
    @WithDefault("PT24H")
    Duration maxExposure();
}
