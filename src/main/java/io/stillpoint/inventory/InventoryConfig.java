package io.stillpoint.inventory;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How the catalog keeps in step with the hosts' guests. */
@ConfigMapping(prefix = "stillpoint.inventory")
public interface InventoryConfig {

    /**
     * How often every host's guests are listed into the catalog (new ones added, vanished ones marked);
     * {@code 0} turns the schedule off, leaving {@code POST /api/hosts/{id}/refresh}. Each node of a
     * cluster runs it, and skips a host another node refreshed within half this interval.
     */
    @WithDefault("PT5M")
    Duration refreshInterval();

    /**
     * How long a listing of every VM shows a guest's state as its host last told it, and how long it leaves a
     * host alone that failed to answer; a single VM's answer always asks its host. {@code 0} asks every time.
     */
    @WithDefault("PT10S")
    Duration liveStateTtl();
}
