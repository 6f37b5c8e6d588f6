package io.stillpoint.it;

import io.stillpoint.testing.TestFiles;
import static org.assertj.core.api.Assertions.assertThat;

import io.stillpoint.fs.SecretFile;
import io.stillpoint.testing.SessionCookies;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged server as a browser meets it: the session key is generated once into the home (0600)
 * and never logged, a session survives a restart, a cookie sealed with any other key is refused, an
 * explicitly configured key wins, and the console is served with its hardening and caching headers.
 */
class BrowserSecurityIT {

    private static final String TEMPORARY_KEY_WARNING = "Encryption key was not specified";
    private static final Duration SESSION_TIMEOUT = Duration.ofMinutes(30);

    Path home;
    Path log;

    @BeforeEach
    void freshHome() throws Exception {
        home = Files.createTempDirectory("stillpoint-browser-it-");
        log = home.resolveSibling(home.getFileName() + ".log");
    }

    @AfterEach
    void removeHome() throws Exception {
        TestFiles.deleteTree(home);
    }

    @Test
    void aSessionSurvivesARestartAndOnlyItsKeyOpensIt() throws Exception {
        String session;
        Path keyFile = home.resolve("session.key");
        try (ServerProcess server = ServerProcess.startUnprivileged(home, log, Map.of())) {
            session = signIn(server);
            assertThat(me(server, session).statusCode()).isEqualTo(200);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
            assertThat(server.stop()).isIn(0, 143);
        }
        String key = Files.readString(keyFile).trim();

        try (ServerProcess server = ServerProcess.startUnprivileged(home, log, Map.of())) {
            assertThat(me(server, session).statusCode()).isEqualTo(200);
            String sealedWithAnotherKey = SessionCookies.forge(SessionCookies.anotherKey(), "admin", SESSION_TIMEOUT);
            assertThat(me(server, sealedWithAnotherKey).statusCode()).isEqualTo(401);
            assertThat(server.stop()).isIn(0, 143);
        }
        assertThat(Files.readString(log)).doesNotContain(TEMPORARY_KEY_WARNING).doesNotContain(key);

        String sharedByTheCluster = SecretFile.randomSecret();
        try (ServerProcess server = ServerProcess.startUnprivileged(home, log,
                Map.of("QUARKUS_HTTP_AUTH_SESSION_ENCRYPTION_KEY", sharedByTheCluster))) {
            assertThat(me(server, session).statusCode()).isEqualTo(401);
            String underTheSharedKey = signIn(server);
            assertThat(me(server, underTheSharedKey).statusCode()).isEqualTo(200);
            assertThat(server.stop()).isIn(0, 143);
        }
        assertThat(Files.readString(keyFile).trim()).isEqualTo(key);
        assertThat(Files.readString(log)).doesNotContain(sharedByTheCluster);
    }

    @Test
    void theConsoleIsServedWithItsHardeningAndCachingHeaders() throws Exception {
        try (ServerProcess server = ServerProcess.startUnprivileged(home, log, Map.of())) {
            for (String index : new String[] {"/", "/index.html"}) {
                HttpResponse<String> page = server.anonymous("GET", index, Map.of(), null);
                assertThat(page.statusCode()).as(index).isEqualTo(200);
                assertThat(page.headers().firstValue("Cache-Control")).as(index).hasValue("no-cache");
                assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
                        .contains("default-src 'self'", "frame-ancestors 'none'");
                assertThat(page.headers().firstValue("X-Frame-Options")).hasValue("DENY");
                assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
                assertThat(page.body()).doesNotContain("<script>").doesNotContain("<style");
            }
            Matcher asset = Pattern.compile("\"(/assets/[^\"]+\\.js)\"")
                    .matcher(server.anonymous("GET", "/", Map.of(), null).body());
            assertThat(asset.find()).isTrue();
            HttpResponse<String> script = server.anonymous("GET", asset.group(1), Map.of(), null);
            assertThat(script.statusCode()).isEqualTo(200);
            assertThat(script.headers().firstValue("Cache-Control").orElseThrow()).contains("max-age=31536000");
            assertThat(server.stop()).isIn(0, 143);
        }
    }

    private static String signIn(ServerProcess server) throws Exception {
        HttpResponse<String> login = server.anonymous("POST", "/j_security_check",
                Map.of("Content-Type", "application/x-www-form-urlencoded"),
                "j_username=admin&j_password=" + URLEncoder.encode(ServerProcess.ADMIN_PASSWORD, StandardCharsets.UTF_8));
        assertThat(login.statusCode()).isEqualTo(200);
        return login.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith("stillpoint-session="))
                .map(c -> c.substring("stillpoint-session=".length(), c.indexOf(';')))
                .findFirst().orElseThrow();
    }

    private static HttpResponse<String> me(ServerProcess server, String session) throws Exception {
        return server.anonymous("GET", "/api/me", Map.of("Cookie", "stillpoint-session=" + session), null);
    }
}
