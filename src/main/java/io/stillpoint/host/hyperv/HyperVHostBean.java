package io.stillpoint.host.hyperv;

import io.stillpoint.host.HypervisorFactory;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Registers Hyper-V hosts with the server. */
final class HyperVHostBean {

    private HyperVHostBean() {}

    @Produces
    @Singleton
    static HypervisorFactory hyperVHypervisorFactory(HyperVConfig config) {
        return new HyperVHypervisorFactory(config);
    }
}
