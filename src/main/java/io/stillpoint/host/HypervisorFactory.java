package io.stillpoint.host;

import java.util.Map;

/**
 * Creates {@link Hypervisor}s of one kind from a host's stored settings. Each adapter contributes one
 * factory bean; a second factory with the same kind fails start-up.
 */
public interface HypervisorFactory {

    String kind();

    /**
     * @param name the host's name in the catalog
     * @param settings the host's settings as stored in the catalog
     * @throws InvalidHostSettingsException if a setting is missing or wrong
     */
    Hypervisor create(String name, Map<String, String> settings);
}
