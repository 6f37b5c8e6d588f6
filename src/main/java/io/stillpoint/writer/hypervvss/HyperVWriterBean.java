package io.stillpoint.writer.hypervvss;

import io.stillpoint.host.hyperv.HyperVConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Registers the Hyper-V VSS writer with the server. */
final class HyperVWriterBean {

    private HyperVWriterBean() {}

    @Produces
    @Singleton
    static HyperVVssWriter hyperVVssWriter(HyperVConfig config) {
        return new HyperVVssWriter(config);
    }
}
