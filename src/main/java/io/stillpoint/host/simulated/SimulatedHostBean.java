package io.stillpoint.host.simulated;

import io.stillpoint.host.HypervisorFactory;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Registers the simulated host with the server. */
final class SimulatedHostBean {

    private SimulatedHostBean() {}

    @Produces
    @Singleton
    static HypervisorFactory simulatedHypervisorFactory() {
        return new SimulatedHypervisorFactory();
    }
}
