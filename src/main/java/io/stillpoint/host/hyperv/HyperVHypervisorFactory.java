package io.stillpoint.host.hyperv;

import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.fs.UntrustedExecutableException;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.HypervisorFactory;
import io.stillpoint.host.InvalidHostSettingsException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Settings, each optional and laid over {@link HyperVConfig}: {@code powershell} and {@code diskshadow}
 * (only executables the server's configuration allows), {@code remote} (PowerShell remoting, e.g.
 * {@code Invoke-Command -ComputerName HV01 -UseSSL}, see {@link HyperVRemote}) with {@code remoteUser}
 * and {@code remotePassword}, {@code mountRoot}, {@code mountRootFromServer} (for a remote host: the
 * same folder as this server reaches it, e.g. {@code \\HV01\Shadows}), {@code volumes} (comma-separated
 * mount folders that are volumes of their own).
 */
public final class HyperVHypervisorFactory implements HypervisorFactory {

    public static final String POWERSHELL = "powershell";
    public static final String DISKSHADOW = "diskshadow";
    public static final String REMOTE = "remote";
    public static final String REMOTE_USER = "remoteUser";
    public static final String REMOTE_PASSWORD = "remotePassword";
    public static final String MOUNT_ROOT = "mountRoot";
    public static final String MOUNT_ROOT_FROM_SERVER = "mountRootFromServer";
    public static final String VOLUMES = "volumes";
    public static final String WINDOWS_ONLY = "Hyper-V is only available on a Windows host";

    private static final Pattern WINDOWS_ABSOLUTE = Pattern.compile("[A-Za-z]:[\\\\/].+");

    private final HyperVConfig config;
    private final TrustedExecutables executables;

    public HyperVHypervisorFactory(HyperVConfig config) {
        this.config = config;
        this.executables = executables(config);
    }

    /** The executables the configuration allows: its PowerShell and diskshadow, and the further ones it lists. */
    public static TrustedExecutables executables(HyperVConfig config) {
        List<String> allowed = new ArrayList<>(List.of(config.powershell(), config.diskshadow()));
        allowed.addAll(config.allowedExecutables().orElse(List.of()));
        return new TrustedExecutables(allowed, HyperVConfig.POWERSHELL_KEY + ", " + HyperVConfig.DISKSHADOW_KEY + ", "
                + HyperVConfig.ALLOWED_KEY);
    }

    @Override
    public String kind() {
        return HyperVHypervisor.KIND;
    }

    @Override
    public Hypervisor create(String name, Map<String, String> settings) {
        return new HyperVHypervisor(name, settings(settings));
    }

    /**
     * The folder shadow copies are exposed under, where this server reaches it: {@code mountRootFromServer},
     * or {@code mountRoot} of a local host. The guests' own folders are on the Hyper-V host.
     */
    @Override
    public List<Path> folders(String name, Map<String, String> settings) {
        Optional<String> fromServer = value(settings, MOUNT_ROOT_FROM_SERVER).or(() -> value(settings, REMOTE).isPresent()
                ? Optional.empty() : Optional.of(value(settings, MOUNT_ROOT).orElse(config.mountRoot())));
        try {
            return fromServer.map(folder -> List.of(Path.of(folder))).orElse(List.of());
        } catch (InvalidPathException notAPathHere) {
            return List.of();
        }
    }

    HyperVSettings settings(Map<String, String> settings) {
        Path powershell = local(POWERSHELL, value(settings, POWERSHELL), config.powershell());
        Optional<String> user = value(settings, REMOTE_USER);
        Optional<String> password = value(settings, REMOTE_PASSWORD);
        Optional<HyperVRemote> remote = value(settings, REMOTE).map(r -> HyperVRemote.parse(r, user, password));
        if (remote.isEmpty() && (user.isPresent() || password.isPresent())) {
            throw new InvalidHostSettingsException(user.isPresent() ? REMOTE_USER : REMOTE_PASSWORD,
                    "a credential is only used to reach a remote host; set 'remote' too");
        }
        Optional<String> diskshadowSetting = value(settings, DISKSHADOW);
        String diskshadow = diskshadowSetting.orElse(config.diskshadow());
        if (diskshadowSetting.isPresent()) {
            if (remote.isPresent()) {
                requireAllowedOnHost(diskshadow);
            } else {
                local(DISKSHADOW, diskshadowSetting, config.diskshadow());
            }
        }
        List<String> volumes = value(settings, VOLUMES)
                .map(v -> Arrays.stream(v.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList())
                .orElse(List.of());
        return new HyperVSettings(powershell, remote, diskshadow, executables,
                value(settings, MOUNT_ROOT).orElse(config.mountRoot()), value(settings, MOUNT_ROOT_FROM_SERVER), volumes,
                config.commandTimeout(), config.importTimeout(), config.saveTimeout(), config.snapshotTimeout(),
                config.releaseTimeout(), config.maxExposure());
    }

    /**
     * A tool that runs on this server, vetted; a server that is not Windows says so for the Windows
     * default. A bare name, as hosts were once created with ({@code powershell.exe}), picks the allowed
     * executable of that file name, never one found on the PATH.
     */
    private Path local(String key, Optional<String> setting, String configured) {
        String requested = setting.orElse(configured);
        if (setting.isPresent() && !requested.contains("/") && !requested.contains("\\")) {
            Optional<Path> named = executables.byFileName(requested);
            if (named.isPresent()) {
                return named.get();
            }
        }
        try {
            return executables.vet(requested);
        } catch (UntrustedExecutableException e) {
            if (setting.isEmpty() && !isWindows() && !isAbsoluteHere(requested)) {
                throw new InvalidHostSettingsException(key, WINDOWS_ONLY + "; elsewhere configure "
                        + (key.equals(POWERSHELL) ? HyperVConfig.POWERSHELL_KEY : HyperVConfig.DISKSHADOW_KEY)
                        + " as the absolute path of the executable, got '" + requested + "'");
            }
            throw new InvalidHostSettingsException(key, "executable " + e.getMessage());
        }
    }

    /**
     * diskshadow on a remote host cannot be vetted from here: it must be one the configuration names, as a
     * Windows path, compared as Windows compares them.
     */
    private void requireAllowedOnHost(String diskshadow) {
        if (!WINDOWS_ABSOLUTE.matcher(diskshadow).matches() || executables.allowed().stream()
                .noneMatch(a -> windowsPath(a).equals(windowsPath(diskshadow)))) {
            throw new InvalidHostSettingsException(DISKSHADOW, "'" + diskshadow + "' is not one of the executables the"
                    + " server's configuration allows (" + executables.configKeys() + ")");
        }
    }

    private static String windowsPath(String path) {
        return path.replace('/', '\\').toLowerCase(Locale.ROOT);
    }

    /**
     * Whether {@code tool} is an absolute path on this server. Away from Windows the Windows defaults are
     * not, which is how a Linux server tells "no Hyper-V here" from a configured tool that is unsafe.
     */
    public static boolean isAbsoluteHere(String tool) {
        try {
            return Path.of(tool).isAbsolute();
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
