package io.stillpoint.guestfiles;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;

/** Browsing a restore point's disks as the guest saw them, inside libguestfs appliances. */
@ConfigMapping(prefix = "stillpoint.guest-files")
public interface GuestFilesConfig {

    /** How long an appliance may sit unused before it is stopped. */
    @WithDefault("PT5M")
    Duration idle();

    /** How many appliances may run (or start) at once on this node; each is a small VM of {@link #memoryMib()}. */
    @WithDefault("2")
    int maxAppliances();

    /** Memory of one appliance in MiB. */
    @WithDefault("768")
    int memoryMib();

    /**
     * The folder holding libguestfs's Java binding ({@code libguestfs-*.jar} from Debian's
     * {@code libguestfs-java}). Only a folder that root owns and no one else may write is used.
     */
    @WithDefault("/usr/share/java")
    String javaBindingFolder();

    /** libguestfs's backend; {@code direct} runs QEMU itself, without libvirt. */
    @WithDefault("direct")
    String backend();

    /**
     * libguestfs's backend settings. {@code force_tcg} runs the appliance without KVM, which these machines
     * need (QEMU with KVM and {@code -cpu host} aborts on them); set it to {@code none} (a setting libguestfs
     * does not know, so none applies) where KVM works for the appliance: it is much faster.
     */
    @WithDefault("force_tcg")
    List<String> backendSettings();

    /** GNU tar, which unpacks a restore's files into its staging folder; a system path only. */
    @WithDefault("/usr/bin/tar")
    String tar();
}
