package io.stillpoint.host;

import java.nio.file.Path;
import java.util.List;
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

    /**
     * The folders on this server's file system that a host with these settings keeps its guests or its own
     * working files in, as this server reaches them, read from the settings and what the host stored there,
     * without connecting: a host that cannot be reached still keeps its folders. No repository may overlap
     * one: a restore in place or the host's own clean-up there would reach into the repository, and the
     * repository's check into the guests. Empty for a host that keeps nothing on this server's file system.
     */
    default List<Path> folders(String name, Map<String, String> settings) {
        return List.of();
    }
}
