package io.stillpoint.host.qemu;

import io.stillpoint.host.HypervisorFactory;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Registers the QEMU/KVM host with the server. */
final class QemuHostBean {

    private QemuHostBean() {}

    @Produces
    @Singleton
    static HypervisorFactory qemuHypervisorFactory() {
        return new QemuHypervisorFactory();
    }
}
