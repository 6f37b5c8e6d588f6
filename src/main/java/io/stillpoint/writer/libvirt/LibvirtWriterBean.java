package io.stillpoint.writer.libvirt;

import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.host.qemu.QemuConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.List;

/** Registers the libvirt writer with the server, with the {@code qemu-img} and {@code qemu-nbd} its configuration names. */
final class LibvirtWriterBean {

    private LibvirtWriterBean() {}

    @Produces
    @Singleton
    static LibvirtSnapshotWriter libvirtSnapshotWriter(QemuConfig config) {
        return new LibvirtSnapshotWriter(new TrustedExecutables(List.of(config.qemuImg()), QemuConfig.QEMU_IMG_KEY),
                new TrustedExecutables(List.of(config.qemuNbd()), QemuConfig.QEMU_NBD_KEY));
    }
}
