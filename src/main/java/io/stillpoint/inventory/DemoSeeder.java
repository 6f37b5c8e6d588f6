package io.stillpoint.inventory;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import io.stillpoint.catalog.Host;
import io.stillpoint.config.StillpointConfig;
import io.stillpoint.host.GuestSpec;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * On a first start with the embedded catalog, creates something real to back up: a simulated host
 * {@code demo} with three guests and a default repository, all under {@code $STILLPOINT_HOME}.
 */
@ApplicationScoped
public class DemoSeeder {

    private static final Logger LOG = Logger.getLogger(DemoSeeder.class);
    private static final long MIB = 1024 * 1024;
    private static final long GIB = 1024 * MIB;

    private final Inventory inventory;
    private final StillpointConfig config;

    DemoSeeder(Inventory inventory, StillpointConfig config) {
        this.inventory = inventory;
        this.config = config;
    }

    void onStart(@Observes @Priority(20) StartupEvent start) {
        if (!config.demo().enabled() || QuarkusTransaction.requiringNew().call(() -> Host.count() > 0)) {
            return;
        }
        Host demo = inventory.createHost("demo", "simulated",
                Map.of("root", config.home().resolve("demo").toString()));
        inventory.createGuest(demo.id, new GuestSpec("web01", List.of(4 * GIB), 512 * MIB, "Debian 12 (nginx)", false));
        inventory.createGuest(demo.id, new GuestSpec("db01", List.of(4 * GIB, 8 * GIB), 1 * GIB, "Ubuntu 22.04 (PostgreSQL)", false));
        inventory.createGuest(demo.id, new GuestSpec("app01", List.of(8 * GIB), 2 * GIB, "Windows Server 2019", true));
        LOG.infof("created the demo host 'demo' with guests web01, db01, app01 under %s", config.home());
        Path repository = config.home().resolve("repository");
        try {
            inventory.createRepository("default", repository.toString());
            LOG.infof("created the repository 'default' in %s", repository);
        } catch (InvalidRequestException refused) {
            // A folder left by an earlier install without its marker is not taken over; the admin decides.
            LOG.warnf("the repository 'default' was not created: %s", refused.getMessage());
        }
    }
}
