package io.stillpoint.host.libvirt;

import io.stillpoint.host.InvalidHostSettingsException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The libvirt URIs a host may use. A libvirt URI can make libvirt run programs: the {@code ext} transport
 * runs {@code ?command=}, {@code ?netcat=} names the program ssh runs on the far side, {@code ?proxy=}
 * and {@code ?socket=} choose what libvirt starts or connects to, and a host name starting with '-' would
 * reach ssh as an option. Since a host's settings come through the API, only the QEMU driver (and the
 * test driver) over the ordinary transports is accepted, with a few query parameters that name files to
 * read or switch a check, and host and user names that cannot be options.
 */
final class LibvirtUri {

    static final String FIELD = "uri";

    private static final Set<String> DRIVERS = Set.of("qemu", "test");
    private static final Set<String> TRANSPORTS = Set.of("unix", "ssh", "libssh", "libssh2", "tls", "tcp");
    private static final Set<String> PARAMETERS = Set.of("no_verify", "no_tty", "keyfile", "known_hosts", "pkipath",
            "mode");
    private static final Set<String> QEMU_PATHS = Set.of("/system", "/session");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\\[[0-9A-Fa-f:.]+\\]");
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");

    private LibvirtUri() {}

    /**
     * @return {@code uri} unchanged when it is acceptable
     * @throws InvalidHostSettingsException naming {@value #FIELD} and what is refused
     */
    static String check(String uri) {
        if (uri == null || uri.isBlank()) {
            throw new InvalidHostSettingsException(FIELD, "required, e.g. qemu:///system or qemu+ssh://user@host/system");
        }
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (URISyntaxException e) {
            throw new InvalidHostSettingsException(FIELD, "'" + uri + "' is not a URI: " + e.getMessage());
        }
        String scheme = parsed.getScheme();
        if (scheme == null || parsed.isOpaque()) {
            throw new InvalidHostSettingsException(FIELD, "'" + uri + "' is not a libvirt URI such as qemu:///system");
        }
        String lower = scheme.toLowerCase(Locale.ROOT);
        int plus = lower.indexOf('+');
        String driver = plus < 0 ? lower : lower.substring(0, plus);
        String transport = plus < 0 ? null : lower.substring(plus + 1);
        if (!DRIVERS.contains(driver)) {
            throw new InvalidHostSettingsException(FIELD, "driver '" + driver + "' of '" + uri + "' is not supported;"
                    + " Stillpoint's libvirt hosts use the qemu driver");
        }
        if (transport != null && !TRANSPORTS.contains(transport)) {
            throw new InvalidHostSettingsException(FIELD, "transport '" + transport + "' of '" + uri + "' is refused:"
                    + " only " + String.join(", ", TRANSPORTS.stream().sorted().toList()) + " are accepted, since others"
                    + " make libvirt run a program the URI names");
        }
        if (parsed.getRawFragment() != null) {
            throw new InvalidHostSettingsException(FIELD, "'" + uri + "' must not have a fragment");
        }
        checkAuthority(uri, parsed.getRawAuthority());
        String path = parsed.getPath() == null ? "" : parsed.getPath();
        if (driver.equals("qemu") && !QEMU_PATHS.contains(path)) {
            throw new InvalidHostSettingsException(FIELD, "'" + uri + "' must end in /system or /session, got '" + path
                    + "'");
        }
        String query = parsed.getRawQuery();
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("[&;]")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int equals = pair.indexOf('=');
                String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
                if (!PARAMETERS.contains(name)) {
                    throw new InvalidHostSettingsException(FIELD, "query parameter '" + name + "' of '" + uri
                            + "' is refused: only " + String.join(", ", PARAMETERS.stream().sorted().toList())
                            + " are accepted, since others can make libvirt run or reach what the URI names");
                }
            }
        }
        return uri;
    }

    /**
     * Whether a checked URI reaches the libvirtd of this very machine (no host part), whose domains' disk
     * files are then this server's files too.
     */
    static boolean isLocal(String uri) {
        String authority = URI.create(uri).getRawAuthority();
        if (authority == null || authority.isEmpty()) {
            return true;
        }
        String host = authority.substring(authority.lastIndexOf('@') + 1).replaceFirst(":[0-9]+$", "");
        return host.isEmpty();
    }

    private static void checkAuthority(String uri, String authority) {
        if (authority == null || authority.isEmpty()) {
            return;
        }
        String hostPort = authority;
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String user = URLDecoder.decode(authority.substring(0, at), StandardCharsets.UTF_8);
            if (!USER.matcher(user).matches()) {
                throw new InvalidHostSettingsException(FIELD, "user '" + user + "' of '" + uri + "' is not a plain user"
                        + " name (letters, digits, '.', '_', '-', not starting with '-')");
            }
            hostPort = authority.substring(at + 1);
        }
        String host = hostPort;
        int colon = hostPort.lastIndexOf(':');
        if (colon >= 0 && hostPort.indexOf(']', colon) < 0) {
            String port = hostPort.substring(colon + 1);
            if (!port.matches("[0-9]{1,5}")) {
                throw new InvalidHostSettingsException(FIELD, "port '" + port + "' of '" + uri + "' is not a number");
            }
            host = hostPort.substring(0, colon);
        }
        if (!host.isEmpty() && !HOST.matcher(host).matches()) {
            throw new InvalidHostSettingsException(FIELD, "host '" + host + "' of '" + uri + "' is not a plain host name"
                    + " or address");
        }
    }
}
