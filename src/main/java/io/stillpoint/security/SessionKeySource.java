package io.stillpoint.security;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.stillpoint.fs.SecretFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Gives {@code quarkus.http.auth.session.encryption-key}, the key that encrypts and authenticates
 * console session cookies, from {@code $STILLPOINT_HOME/session.key}: generated on first use, kept
 * 0600, never logged. Without it Quarkus would make a temporary key per start and print it, and
 * anyone reading the log could forge a session. A key set explicitly (environment, system property,
 * application.properties) comes first, so that nodes of a cluster can share one.
 */
public class SessionKeySource implements ConfigSourceFactory {

    static final String KEY = "quarkus.http.auth.session.encryption-key";

    /** Below application.properties (250) and every source an admin sets a key in. */
    private static final int ORDINAL = 150;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        ConfigValue home = context.getValue("stillpoint.home");
        Path folder = home != null && home.getValue() != null
                ? Path.of(home.getValue())
                : Path.of(System.getProperty("user.home"), ".stillpoint");
        return List.of(new KeyFile(folder.resolve("session.key")));
    }

    /**
     * Reads (or makes) the file only when Quarkus asks for the key, so that building the application
     * or a start with the key set elsewhere leaves no file behind.
     */
    private static final class KeyFile implements ConfigSource {

        private final Path file;
        private volatile String key;

        KeyFile(Path file) {
            this.file = file;
        }

        @Override
        public Set<String> getPropertyNames() {
            return Set.of();
        }

        @Override
        public String getValue(String name) {
            if (!KEY.equals(name)) {
                return null;
            }
            if (key == null) {
                synchronized (this) {
                    if (key == null) {
                        try {
                            key = SecretFile.readOrCreate(file);
                        } catch (IOException e) {
                            throw new UncheckedIOException("the session key in " + file + " cannot be used: "
                                    + e.getMessage(), e);
                        }
                    }
                }
            }
            return key;
        }

        @Override
        public int getOrdinal() {
            return ORDINAL;
        }

        @Override
        public String getName() {
            return "Stillpoint session key (" + file + ")";
        }
    }
}
