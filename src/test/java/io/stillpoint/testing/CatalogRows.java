package io.stillpoint.testing;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.catalog.BackupRun;
import io.stillpoint.catalog.RunStatus;
import java.time.Instant;
import java.util.UUID;

/** Catalog rows as a crash leaves them, written straight into the catalog. */
public final class CatalogRows {

    private CatalogRows() {}

    /** A pause run of the simulated writer on {@code node}, in its copy phase, with the status given. */
    public static UUID run(String vmId, String repositoryId, RunStatus status, String node) {
        return QuarkusTransaction.requiringNew().call(() -> {
            BackupRun run = new BackupRun();
            run.id = UUID.randomUUID();
            run.vmId = UUID.fromString(vmId);
            run.repositoryId = UUID.fromString(repositoryId);
            run.requestedMode = "pause";
            run.writer = "simulated";
            run.status = status;
            run.phase = "copy";
            run.node = node;
            run.createdAt = Instant.now();
            run.startedAt = Instant.now();
            run.persist();
            return run.id;
        });
    }
}
