package io.stillpoint.host.hyperv;

import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.HypervisorFactory;
import io.stillpoint.host.InvalidHostSettingsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Settings, each optional and laid over {@link HyperVConfig}: {@code powershell}, {@code diskshadow},
 * {@code remote} (e.g. {@code Invoke-Command -ComputerName HV01}), {@code mountRoot}, {@code
 * mountRootFromServer} (for a remote host: the same folder as this server reaches it, e.g. {@code
 * \\HV01\Shadows}), {@code volumes} (comma-separated mount folders that are volumes of their own).
 */
public final class HyperVHypervisorFactory implements HypervisorFactory {

    public static final String POWERSHELL = "powershell";
    public static final String DISKSHADOW = "diskshadow";
    public static final String REMOTE = "remote";
    public static final String MOUNT_ROOT = "mountRoot";
    public static final String MOUNT_ROOT_FROM_SERVER = "mountRootFromServer";
    public static final String VOLUMES = "volumes";
    public static final String WINDOWS_ONLY = "Hyper-V is only available on a Windows host";

    private final HyperVConfig config;

    public HyperVHypervisorFactory(HyperVConfig config) {
        this.config = config;
    }

    @Override
    public String kind() {
        return HyperVHypervisor.KIND;
    }

    @Override
    public Hypervisor create(String name, Map<String, String> settings) {
        return new HyperVHypervisor(name, settings(settings));
    }

    HyperVSettings settings(Map<String, String> settings) {
        String powershell = value(settings, POWERSHELL).orElse(config.powershell());
        if (!usableHere(powershell)) {
            throw new InvalidHostSettingsException(POWERSHELL, WINDOWS_ONLY
                    + "; elsewhere name a PowerShell executable by its absolute path, got '" + powershell + "'");
        }
        List<String> volumes = value(settings, VOLUMES)
                .map(v -> Arrays.stream(v.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList())
                .orElse(List.of());
        return new HyperVSettings(powershell, value(settings, REMOTE), value(settings, DISKSHADOW).orElse(config.diskshadow()),
                value(settings, MOUNT_ROOT).orElse(config.mountRoot()), value(settings, MOUNT_ROOT_FROM_SERVER), volumes, config.commandTimeout(),
                config.importTimeout(), config.saveTimeout(), config.snapshotTimeout(), config.releaseTimeout(), config.maxExposure());
    }

    /**
     * On Windows the tool is found on the PATH; elsewhere only an executable named by absolute path can
     * stand in for it, so a Linux server never pretends to reach Hyper-V.
     */
    public static boolean usableHere(String tool) {
        if (isWindows()) {
            return true;
        }
        try {
            Path path = Path.of(tool);
            return path.isAbsolute() && Files.isExecutable(path);
        } catch (InvalidPathException e) {
            return false;
        }
    }

    public static boolean isWindows() {
        return System.getProperty("os.name", "").startsWith("Windows");
    }

    private static Optional<String> value(Map<String, String> settings, String key) {
        return Optional.ofNullable(settings.get(key)).map(String::strip).filter(v -> !v.isEmpty());
    }
}
