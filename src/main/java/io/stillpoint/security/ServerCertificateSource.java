package io.stillpoint.security;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.PropertiesConfigSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Gives Quarkus's TLS registry the self-signed {@link ServerCertificate} of
 * {@code $STILLPOINT_HOME/tls/} as the default key store ({@code quarkus.tls.key-store.pem.0.*}), so
 * that the HTTP server serves HTTPS from the first start on. A certificate configured anywhere
 * ({@code quarkus.tls.key-store.*} in the environment, system properties or application.properties)
 * replaces it.
 *
 * <p>This source only names the files. They are made before Quarkus starts, by
 * {@code StillpointMain} (and the tests' catalog resource), not here: the build reads every
 * configuration value too, and would otherwise leave a certificate in the home of whoever builds.
 */
public class ServerCertificateSource implements ConfigSourceFactory {

    public static final String CERT = "quarkus.tls.key-store.pem.0.cert";
    public static final String KEY = "quarkus.tls.key-store.pem.0.key";

    /** Below application.properties (250) and every source an admin sets a certificate in. */
    private static final int ORDINAL = 150;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        List<String> names = new ArrayList<>();
        context.iterateNames().forEachRemaining(names::add);
        if (configured(names)) {
            return List.of();
        }
        // An expression, expanded when the TLS registry reads it: stillpoint.home may come from a source
        // that this factory does not see (the tests' resources).
        String folder = "${stillpoint.home:${user.home}/.stillpoint}/tls/";
        return List.of(new PropertiesConfigSource(Map.of(
                CERT, folder + ServerCertificate.CERTIFICATE_FILE,
                KEY, folder + ServerCertificate.KEY_FILE),
                "Stillpoint self-signed certificate in $STILLPOINT_HOME/tls", ORDINAL));
    }

    /**
     * Whether these configuration names (as properties or environment variables) name a key store of
     * an admin's own, by any of the TLS registry's keys.
     */
    public static boolean configured(Iterable<String> names) {
        for (String name : names) {
            String normal = name.toLowerCase(Locale.ROOT).replace('_', '.').replace('-', '.');
            if (normal.startsWith("quarkus.tls.key.store.")) {
                return true;
            }
        }
        return false;
    }
}
