package io.stillpoint.host.libvirt;

import io.stillpoint.host.HostException;
import io.stillpoint.host.HostSettings;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.HypervisorFactory;
import io.stillpoint.host.InvalidHostSettingsException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Settings: {@code uri} (required; a libvirt URI such as {@code qemu:///system} or {@code
 * qemu+ssh://user@host/system}, see {@link LibvirtUri} for what is refused), {@code root} (the folder
 * where Stillpoint keeps the host's saved states and freeze markers; by default {@code <defaultRoots>/<host
 * name>}), {@code imageDir} (where a domain restored as a new one gets its folder; by default libvirt's
 * {@code /var/lib/libvirt/images}), and deadlines in milliseconds, each optional: {@code commandTimeoutMillis} (10000), {@code
 * shutdownTimeoutMillis} (60000), {@code saveTimeoutMillis} (600000), {@code freezeTimeoutMillis} (30000).
 * The URI is tried when the host is made, so that a host that cannot be reached is refused at once.
 */
public final class LibvirtHypervisorFactory implements HypervisorFactory {

    public static final String URI = "uri";
    public static final String ROOT = "root";
    public static final String IMAGE_DIR = "imageDir";

    private final Path defaultRoots;

    public LibvirtHypervisorFactory(Path defaultRoots) {
        this.defaultRoots = defaultRoots;
    }

    @Override
    public String kind() {
        return LibvirtHypervisor.KIND;
    }

    @Override
    public Hypervisor create(String name, Map<String, String> settings) {
        String uri = LibvirtUri.check(settings.get(URI));
        Path root = root(rootSetting(name, settings));
        LibvirtDeadlines defaults = LibvirtDeadlines.defaults();
        LibvirtDeadlines deadlines = new LibvirtDeadlines(
                HostSettings.millis(settings, "commandTimeoutMillis", defaults.command()),
                HostSettings.millis(settings, "shutdownTimeoutMillis", defaults.shutdown()),
                HostSettings.millis(settings, "saveTimeoutMillis", defaults.save()),
                HostSettings.millis(settings, "freezeTimeoutMillis", defaults.freeze()),
                HostSettings.millis(settings, "jobStallTimeoutMillis", defaults.job()));
        LibvirtHypervisor host = new LibvirtHypervisor(name, uri, root, imageDir(settings), deadlines);
        try {
            host.connect();
        } catch (HostException e) {
            host.close();
            throw new InvalidHostSettingsException(URI, "cannot reach libvirt at '" + uri + "': " + e.getMessage());
        }
        return host;
    }

    @Override
    public List<Path> folders(String name, Map<String, String> settings) {
        try {
            return List.of(Path.of(rootSetting(name, settings)));
        } catch (InvalidPathException notAPath) {
            return List.of();
        }
    }

    /** An absolute folder; created by the first restore that needs it, as libvirt's package makes its own. */
    private static Path imageDir(Map<String, String> settings) {
        String value = settings.get(IMAGE_DIR);
        if (value == null || value.isBlank()) {
            return LibvirtHypervisor.DEFAULT_IMAGE_DIR;
        }
        try {
            Path dir = Path.of(value);
            if (!dir.isAbsolute()) {
                throw new InvalidHostSettingsException(IMAGE_DIR, "must be an absolute path, got '" + value + "'");
            }
            return dir.normalize();
        } catch (InvalidPathException e) {
            throw new InvalidHostSettingsException(IMAGE_DIR, "not a valid path: " + value);
        }
    }

    private String rootSetting(String name, Map<String, String> settings) {
        String configured = settings.get(ROOT);
        return configured == null || configured.isBlank() ? defaultRoots.resolve(name).toString() : configured;
    }

    private static Path root(String value) {
        try {
            if (!Path.of(value).isAbsolute()) {
                throw new InvalidHostSettingsException(ROOT, "must be an absolute path, got '" + value + "'");
            }
        } catch (InvalidPathException e) {
            throw new InvalidHostSettingsException(ROOT, "not a valid path: " + value);
        }
        return HostSettings.writableFolder(ROOT, value);
    }
}
