package io.stillpoint.security;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Where the server listens: HTTPS on {@code quarkus.http.host} (every interface) and plain HTTP on
 * {@code stillpoint.http.plain-host} (the loopback interface unless configured otherwise), since
 * Quarkus has one host for both. Announces the certificate's SHA-256 fingerprint at every start, so
 * that an admin can check what a browser or {@code curl} is shown.
 */
@ApplicationScoped
class HttpListeners implements HttpServerOptionsCustomizer {

    private static final Logger LOG = Logger.getLogger(HttpListeners.class);

    private final String plainHost;
    private final Optional<String> certificate;

    HttpListeners(HttpConfig config,
            @ConfigProperty(name = ServerCertificateSource.CERT) Optional<String> certificate) {
        this.plainHost = config.plainHost();
        this.certificate = certificate;
    }

    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        options.setHost(plainHost);
    }

    /** Quarkus's own line ("Listening on: ...") follows with the ports taken. */
    void announce(@Observes StartupEvent start) {
        if (certificate.isEmpty()) {
            LOG.infof("no TLS certificate: plain HTTP only, on %s", plainHost);
            return;
        }
        Path file = Path.of(certificate.get());
        try {
            LOG.infof("HTTPS with the certificate %s, SHA-256 fingerprint %s; plain HTTP on %s only", file,
                    ServerCertificate.fingerprint(ServerCertificate.read(file)), plainHost);
        } catch (Exception e) {
            LOG.warnf("HTTPS with the certificate %s, which cannot be read here: %s", file, e.getMessage());
        }
    }
}
