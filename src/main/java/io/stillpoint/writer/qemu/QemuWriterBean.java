package io.stillpoint.writer.qemu;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Registers the QEMU overlay writer with the server. */
final class QemuWriterBean {

    private QemuWriterBean() {}

    @Produces
    @Singleton
    static QemuSnapshotWriter qemuSnapshotWriter() {
        return new QemuSnapshotWriter();
    }
}
