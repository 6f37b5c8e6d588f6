package io.stillpoint.host.qemu;

import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.host.HypervisorFactory;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Registers the QEMU/KVM host with the server; a host without a {@code root} keeps its files under the server's home. */
final class QemuHostBean {

    private QemuHostBean() {}

    @Produces
    @Singleton
    static HypervisorFactory qemuHypervisorFactory(@ConfigProperty(name = "stillpoint.home") Path home,
            QemuConfig config) {
        return new QemuHypervisorFactory(home.resolve("qemu-hosts"),
                new TrustedExecutables(config.binaries(), QemuConfig.BINARIES_KEY));
    }
}
