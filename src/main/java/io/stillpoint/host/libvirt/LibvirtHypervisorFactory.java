package io.stillpoint.host.libvirt;

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
                millis(settings, "commandTimeoutMillis", defaults.command()),
                millis(settings, "shutdownTimeoutMillis", defaults.shutdown()),
                millis(settings, "saveTimeoutMillis", defaults.save()),
                millis(settings, "freezeTimeoutMillis", defaults.freeze()));
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
            Path root = Path.of(value);
            if (!root.isAbsolute()) {
                throw new InvalidHostSettingsException(ROOT, "must be an absolute path, got '" + value + "'");
            }
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
