package io.stillpoint.host.qemu;

import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.host.HostException;
import io.stillpoint.host.HostSettings;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.HypervisorFactory;
import io.stillpoint.host.InvalidHostSettingsException;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
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
                HostSettings.millis(settings, "commandTimeoutMillis", defaults.command()),
                HostSettings.millis(settings, "powerdownTimeoutMillis", defaults.powerdown()),
                HostSettings.millis(settings, "agentPingTimeoutMillis", defaults.agentPing()),
                HostSettings.millis(settings, "freezeTimeoutMillis", defaults.freeze()),
                HostSettings.millis(settings, "jobTimeoutMillis", defaults.job()));
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
        return HostSettings.writableFolder(ROOT, value);
    }
}
