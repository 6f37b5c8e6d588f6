package io.stillpoint.catalog;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Stops the embedded PostgreSQL when the server stops, also on SIGTERM, when the main thread may never
 * get back control. Observes last, after every bean that may still write to the catalog.
 */
@ApplicationScoped
class EmbeddedCatalogShutdown {

    void onStop(@Observes @Priority(Integer.MAX_VALUE) ShutdownEvent stop) {
        EmbeddedCatalog.running().ifPresent(EmbeddedCatalog::close);
    }
}
