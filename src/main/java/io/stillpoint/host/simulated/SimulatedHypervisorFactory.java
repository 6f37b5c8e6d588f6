package io.stillpoint.host.simulated;

import io.stillpoint.host.HostException;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.HypervisorFactory;
import io.stillpoint.host.InvalidHostSettingsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Settings: {@code root} (required, the folder holding the guests; created if missing), {@code
 * writeIntervalMillis} (default 20, how often running guests write), {@code blocksPerTick} (default 4,
 * blocks each disk gets per write interval).
 */
public final class SimulatedHypervisorFactory implements HypervisorFactory {

    public static final String ROOT = "root";
    public static final String WRITE_INTERVAL_MILLIS = "writeIntervalMillis";
    public static final String BLOCKS_PER_TICK = "blocksPerTick";

    @Override
    public String kind() {
        return SimulatedHypervisor.KIND;
    }

    @Override
    public Hypervisor create(String name, Map<String, String> settings) {
        Path root = root(settings.get(ROOT));
        long interval = positive(settings, WRITE_INTERVAL_MILLIS, 20, 60_000);
        int blocks = (int) positive(settings, BLOCKS_PER_TICK, 4, 1024);
        try {
            return new SimulatedHypervisor(name, root, interval, blocks);
        } catch (IOException e) {
            throw new HostException("opening simulated host '" + name + "' on " + root + " failed: " + e.getMessage(),
                    false, e);
        }
    }

    @Override
    public List<Path> folders(String name, Map<String, String> settings) {
        String root = settings.get(ROOT);
        try {
            return root == null || root.isBlank() ? List.of() : List.of(Path.of(root));
        } catch (InvalidPathException notAPath) {
            return List.of();
        }
    }

    private static Path root(String value) {
        if (value == null || value.isBlank()) {
            throw new InvalidHostSettingsException(ROOT, "required: the directory holding the simulated guests");
        }
        Path root;
        try {
            root = Path.of(value);
        } catch (InvalidPathException e) {
            throw new InvalidHostSettingsException(ROOT, "not a valid path: " + value);
        }
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new InvalidHostSettingsException(ROOT, "cannot create directory " + value + ": " + e.getMessage());
        }
        if (!Files.isWritable(root)) {
            throw new InvalidHostSettingsException(ROOT, "directory " + value + " is not writable");
        }
        return root;
    }

    private static long positive(Map<String, String> settings, String key, long defaultValue, long max) {
        String value = settings.get(key);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            long parsed = Long.parseLong(value.trim());
            if (parsed >= 1 && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // falls through to the one message for every bad value
        }
        throw new InvalidHostSettingsException(key, "must be a whole number from 1 to " + max + ", got '" + value + "'");
    }
}
