package io.stillpoint.host.hyperv;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Server-wide defaults for Hyper-V hosts and the Hyper-V VSS writer. A host's settings in the catalog
 * may name other tool paths, but only ones this configuration allows (see {@link
 * HyperVHypervisorFactory}): the API never chooses what the server runs.
 */
@ConfigMapping(prefix = "stillpoint.hyperv")
public interface HyperVConfig {

    String POWERSHELL_KEY = "stillpoint.hyperv.powershell";
    String DISKSHADOW_KEY = "stillpoint.hyperv.diskshadow";
    String ALLOWED_KEY = "stillpoint.hyperv.allowed-executables";

    /**
     * The PowerShell executable that runs the Hyper-V cmdlets, by absolute path: Windows PowerShell 5.1
     * (the default) or PowerShell 7 ({@code C:\Program Files\PowerShell\7\pwsh.exe}, {@code
     * /usr/bin/pwsh} on a Linux server reaching a remote host). It must be owned by an administrator
     * (root) and writable by no one else.
     */
    @WithDefault("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe")
    String powershell();

    /**
     * The diskshadow executable, by absolute path. For a remote host it is the path on that host, where
     * diskshadow runs.
     */
    @WithDefault("C:\\Windows\\System32\\diskshadow.exe")
    String diskshadow();

    /**
     * Further executables a host's {@code powershell} or {@code diskshadow} setting may name, by absolute
     * path; beyond these and the two above a host setting is refused.
     */
    Optional<List<String>> allowedExecutables();

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
