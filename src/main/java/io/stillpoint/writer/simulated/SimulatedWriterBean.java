package io.stillpoint.writer.simulated;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Registers the simulated writer with the server. */
final class SimulatedWriterBean {

    private SimulatedWriterBean() {}

    @Produces
    @Singleton
    static SimulatedSnapshotWriter simulatedSnapshotWriter() {
        return new SimulatedSnapshotWriter();
    }
}
