package io.stillpoint.writer.hypervvss;

import io.stillpoint.host.hyperv.HyperVSettings;
import java.nio.file.Path;

/**
 * The folder shadow copies are exposed under, as the Hyper-V host names it (in diskshadow scripts) and as
 * this server reaches it (to write those scripts, signal the release and read the exposed files). On a
 * local host, or a remote one whose folder the server sees at the same path, both are the same.
 */
record MountRoot(Path server, String host, boolean translated) {

    static MountRoot of(HyperVSettings settings) {
        return settings.mountRootFromServer()
                .map(server -> new MountRoot(Path.of(server), settings.mountRoot(), true))
                .orElseGet(() -> new MountRoot(Path.of(settings.mountRoot()), settings.mountRoot(), false));
    }

    /** The host's name for a path under {@link #server}, with the host's separator. */
    String host(Path underServer) {
        if (!translated) {
            return underServer.toString();
        }
        String separator = host.contains("\\") ? "\\" : "/";
        String relative = server.relativize(underServer).toString()
                .replace(underServer.getFileSystem().getSeparator(), separator);
        String base = host.endsWith(separator) ? host.substring(0, host.length() - 1) : host;
        return relative.isEmpty() ? base : base + separator + relative;
    }
}
