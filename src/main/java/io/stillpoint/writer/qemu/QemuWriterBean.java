package io.stillpoint.writer.qemu;

import io.stillpoint.host.qemu.QemuConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Registers the QEMU overlay writer with the server, with the {@code qemu-img} its configuration names. */
final class QemuWriterBean {

    private QemuWriterBean() {}

    @Produces
    @Singleton
    static QemuSnapshotWriter qemuSnapshotWriter(QemuConfig config) {
        return new QemuSnapshotWriter(config.qemuImg());
    }
}
