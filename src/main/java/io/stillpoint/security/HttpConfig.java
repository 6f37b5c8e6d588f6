package io.stillpoint.security;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Where plain HTTP listens; HTTPS listens on {@code quarkus.http.host} and {@code quarkus.http.ssl-port}. */
@ConfigMapping(prefix = "stillpoint.http")
public interface HttpConfig {

    /**
     * The interface of plain HTTP ({@code quarkus.http.port}): the loopback interface, so that only this
     * machine's clients (a local script, a reverse proxy that terminates TLS) send passwords and cookies
     * unencrypted; {@code 0.0.0.0} for every interface.
     */
    @WithDefault("127.0.0.1")
    String plainHost();
}
