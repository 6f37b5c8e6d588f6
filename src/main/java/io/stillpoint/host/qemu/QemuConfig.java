package io.stillpoint.host.qemu;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.List;

/**
 * The programs Stillpoint runs for QEMU hosts and the qemu writer. They are server configuration on
 * purpose: a host's settings come through the API, and a guest's command line from a process that may
 * not be Stillpoint's, so neither may choose what Stillpoint executes.
 */
@ConfigMapping(prefix = "stillpoint.qemu")
public interface QemuConfig {

    /** Debian's and RHEL's QEMU system emulators and their KVM front ends. */
    String DEFAULT_BINARIES = "/usr/bin/qemu-system-x86_64,/usr/bin/qemu-system-i386,/usr/bin/qemu-system-aarch64,"
            + "/usr/bin/qemu-system-arm,/usr/bin/qemu-system-ppc64,/usr/bin/qemu-system-s390x,"
            + "/usr/bin/qemu-system-riscv64,/usr/libexec/qemu-kvm,/usr/bin/qemu-kvm";
    String DEFAULT_QEMU_IMG = "/usr/bin/qemu-img";
    String BINARIES_KEY = "stillpoint.qemu.binaries";
    String QEMU_IMG_KEY = "stillpoint.qemu.qemu-img";
    String DEFAULT_QEMU_NBD = "/usr/bin/qemu-nbd";
    String QEMU_NBD_KEY = "stillpoint.qemu.qemu-nbd";

    /**
     * The QEMU executables Stillpoint may start a guest with (after a {@code stop} backup, a restore, or
     * for a guest restored as a new one), by absolute path. A registered guest's executable is read from
     * {@code /proc/<pid>/exe} and must be one of these (compared by real path), owned by root and
     * writable by no one else, in folders that are not either.
     */
    @WithDefault(DEFAULT_BINARIES)
    List<String> binaries();

    /** {@code qemu-img}, by absolute path, with which the qemu writer makes and merges overlays. */
    @WithDefault(DEFAULT_QEMU_IMG)
    String qemuImg();

    /**
     * {@code qemu-nbd}, by absolute path, with which the libvirt writer reads the bitmap a checkpoint stored
     * in a frozen disk, the disk shared read-only.
     */
    @WithDefault(DEFAULT_QEMU_NBD)
    String qemuNbd();
}
