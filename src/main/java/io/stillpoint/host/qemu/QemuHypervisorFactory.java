package io.stillpoint.host.qemu;

import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.host.HostException;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.HypervisorFactory;
import io.stillpoint.host.InvalidHostSettingsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Settings: {@code root} (the folder where Stillpoint keeps the host's guest registrations and QEMU logs;
 * by default {@code <defaultRoots>/<host name>}), and deadlines in milliseconds, each optional: {@code commandTimeoutMillis} (10000), {@code
 * powerdownTimeoutMillis} (60000), {@code agentPingTimeoutMillis} (3000), {@code freezeTimeoutMillis}
 * (30000), {@code jobTimeoutMillis} (600000).
 */
public final class QemuHypervisorFactory implements HypervisorFactory {

    public static final String ROOT = "root";

    private final Path defaultRoots;
    private final TrustedExecutables binaries;

    /**
     * @param defaultRoots where hosts created without a {@code root} get a folder named after them
     * @param binaries the QEMU executables the server's configuration allows
     */
    public QemuHypervisorFactory(Path defaultRoots, TrustedExecutables binaries) {
        this.defaultRoots = defaultRoots;
        this.binaries = binaries;
    }

    @Override
    public String kind() {
        return QemuHypervisor.KIND;
    }

    @Override
    public Hypervisor create(String name, Map<String, String> settings) {
        String configured = settings.get(ROOT);
        Path root = root(configured == null || configured.isBlank() ? defaultRoots.resolve(name).toString() : configured);
        QemuDeadlines defaults = QemuDeadlines.defaults();
        QemuDeadlines deadlines = new QemuDeadlines(
                millis(settings, "commandTimeoutMillis", defaults.command()),
                millis(settings, "powerdownTimeoutMillis", defaults.powerdown()),
                millis(settings, "agentPingTimeoutMillis", defaults.agentPing()),
                millis(settings, "freezeTimeoutMillis", defaults.freeze()),
                millis(settings, "jobTimeoutMillis", defaults.job()));
        try {
            return new QemuHypervisor(name, root, deadlines, binaries);
        } catch (IOException e) {
            throw new HostException("opening QEMU host '" + name + "' on " + root + " failed: " + e.getMessage(), false, e);
        }
    }

    @Override
    public List<Path> folders(String name, Map<String, String> settings) {
        String configured = settings.get(ROOT);
        try {
            return QemuHypervisor.folders(configured == null || configured.isBlank() ? defaultRoots.resolve(name)
                    : Path.of(configured));
        } catch (InvalidPathException notAPath) {
            return List.of();
        }
    }

    private static Path root(String value) {
        try {
            Path root = Path.of(value);
            Files.createDirectories(root);
            if (!Files.isWritable(root)) {
                throw new InvalidHostSettingsException(ROOT, "directory " + value + " is not writable");
            }
            return root;
        } catch (InvalidPathException e) {
            throw new InvalidHostSettingsException(ROOT, "not a valid path: " + value);
        } catch (IOException e) {
            throw new InvalidHostSettingsException(ROOT, "cannot create directory " + value + ": " + e.getMessage());
        }
    }

    private static Duration millis(Map<String, String> settings, String key, Duration defaultValue) {
        String value = settings.get(key);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            long parsed = Long.parseLong(value.trim());
            if (parsed >= 1 && parsed <= 86_400_000L) {
                return Duration.ofMillis(parsed);
            }
        } catch (NumberFormatException e) {
            // one message below for every bad value
        }
        throw new InvalidHostSettingsException(key, "must be a whole number of milliseconds from 1 to 86400000, got '"
                + value + "'");
    }
}
