package io.stillpoint.host.libvirt;

import io.stillpoint.host.HypervisorFactory;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Registers the libvirt host with the server; a host without a {@code root} keeps its files under the
 * server's home. Registering loads nothing: libvirt's library is loaded when a libvirt host is first used.
 */
final class LibvirtHostBean {

    private LibvirtHostBean() {}

    @Produces
    @Singleton
    static HypervisorFactory libvirtHypervisorFactory(@ConfigProperty(name = "stillpoint.home") Path home) {
        return new LibvirtHypervisorFactory(home.resolve("libvirt-hosts"));
    }
}
