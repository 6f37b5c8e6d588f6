package io.stillpoint.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stillpoint.security.ServerCertificate;
import io.stillpoint.testing.TestFiles;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged server speaks HTTPS out of the box: a first start makes a self-signed certificate in
 * the home (key 0600), serves it on every interface and logs its fingerprint, keeps it across a
 * restart, and serves plain HTTP on the loopback interface only; session cookies are Secure over
 * HTTPS. A configured certificate replaces it and is read again when its files change.
 */
class HttpsIT {

    private static final String SECURE = "(?i);\\s*Secure(;|$)";

    Path home;
    Path log;

    @BeforeEach
    void freshHome() throws Exception {
        home = Files.createTempDirectory("stillpoint-https-it-");
        log = home.resolveSibling(home.getFileName() + ".log");
    }

    @AfterEach
    void removeHome() throws Exception {
        TestFiles.deleteTree(home);
        Files.deleteIfExists(log);
    }

    @Test
    void aFirstStartServesHttpsWithAGeneratedCertificateItLogsAndKeeps() throws Exception {
        String fingerprint;
        try (ServerProcess server = ServerProcess.start(home, log)) {
            Path certificate = home.resolve("tls").resolve(ServerCertificate.CERTIFICATE_FILE);
            Path key = home.resolve("tls").resolve(ServerCertificate.KEY_FILE);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
            fingerprint = ServerCertificate.fingerprint(ServerCertificate.read(certificate));
            assertThat(Files.readString(log)).contains("SHA-256 fingerprint " + fingerprint);

            HttpClient trusting = HttpClient.newBuilder().sslContext(trusting(certificate)).build();
            String https = "https://localhost:" + server.httpsPort();
            assertThat(trusting.send(HttpRequest.newBuilder(URI.create(https + "/q/health/ready")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
            assertThatThrownBy(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(https + "/q/health"))
                    .build(), HttpResponse.BodyHandlers.discarding())).isInstanceOf(SSLHandshakeException.class);

            assertThat(listening(server.port())).as("plain HTTP").isNotEmpty().allMatch(HttpsIT::loopback);
            assertThat(listening(server.httpsPort())).as("HTTPS").anyMatch(HttpsIT::everyInterface);

            HttpResponse<String> signIn = trusting.send(HttpRequest.newBuilder(URI.create(https + "/j_security_check"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("j_username=admin&j_password=" + ServerProcess.ADMIN_PASSWORD))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(signIn.statusCode()).isEqualTo(200);
            assertThat(signIn.headers().allValues("Set-Cookie")).filteredOn(c -> c.startsWith("stillpoint-session="))
                    .singleElement().asString().containsPattern(SECURE).containsIgnoringCase("HttpOnly");
            String session = signIn.headers().allValues("Set-Cookie").stream()
                    .filter(c -> c.startsWith("stillpoint-session=")).findFirst().orElseThrow().split(";")[0];
            HttpResponse<String> me = trusting.send(HttpRequest.newBuilder(URI.create(https + "/api/me"))
                    .header("Cookie", session).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(me.headers().allValues("Set-Cookie")).filteredOn(c -> c.startsWith("XSRF-TOKEN="))
                    .singleElement().asString().containsPattern(SECURE);
            HttpResponse<String> plainMe = server.anonymous("GET", "/api/me", Map.of("Cookie", session), null);
            assertThat(plainMe.headers().allValues("Set-Cookie")).filteredOn(c -> c.startsWith("XSRF-TOKEN="))
                    .singleElement().asString().doesNotContainPattern(SECURE);
            server.stop();
        }
        try (ServerProcess again = ServerProcess.start(home, log)) {
            assertThat(ServerCertificate.fingerprint(served(again.httpsPort()))).isEqualTo(fingerprint);
        }
    }

    @Test
    void aConfiguredCertificateReplacesTheGeneratedOneAndIsReadAgainWhenItChanges() throws Exception {
        Path mine = home.resolveSibling(home.getFileName() + "-mine");
        Path next = home.resolveSibling(home.getFileName() + "-next");
        try {
            List<Path> first = ServerCertificate.readOrCreate(mine);
            List<Path> second = ServerCertificate.readOrCreate(next);
            Map<String, String> settings = Map.of(
                    "QUARKUS_TLS_KEY_STORE_PEM_0_CERT", first.get(0).toString(),
                    "QUARKUS_TLS_KEY_STORE_PEM_0_KEY", first.get(1).toString(),
                    "QUARKUS_TLS_RELOAD_PERIOD", "PT1S");
            try (ServerProcess server = ServerProcess.start(home, log, settings)) {
                assertThat(served(server.httpsPort())).isEqualTo(ServerCertificate.read(first.get(0)));
                assertThat(home.resolve("tls")).doesNotExist();
                assertThat(Files.readString(log)).contains("SHA-256 fingerprint "
                        + ServerCertificate.fingerprint(ServerCertificate.read(first.get(0))));

                Files.copy(second.get(1), first.get(1), StandardCopyOption.REPLACE_EXISTING);
                Files.copy(second.get(0), first.get(0), StandardCopyOption.REPLACE_EXISTING);
                X509Certificate renewed = ServerCertificate.read(second.get(0));
                Instant deadline = Instant.now().plusSeconds(30);
                while (!served(server.httpsPort()).equals(renewed) && Instant.now().isBefore(deadline)) {
                    Thread.sleep(250);
                }
                assertThat(served(server.httpsPort())).isEqualTo(renewed);
            }
        } finally {
            TestFiles.deleteTree(mine);
            TestFiles.deleteTree(next);
        }
    }

    private static SSLContext trusting(Path certificate) throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("stillpoint", ServerCertificate.read(certificate));
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    /** The certificate the server shows, whatever it is: this client only looks, it sends nothing. */
    private static X509Certificate served(int port) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String type) {}

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String type) {}

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    /** The local addresses (hex, as /proc/net/tcp and tcp6 show them) of the sockets listening on {@code port}. */
    private static List<String> listening(int port) throws Exception {
        String hexPort = String.format(":%04X", port);
        List<String> addresses = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(table))) {
                String[] fields = line.trim().split("\\s+");
                if (fields.length > 3 && fields[1].endsWith(hexPort) && fields[3].equals("0A")) {
                    addresses.add(fields[1].substring(0, fields[1].indexOf(':')));
                }
            }
        }
        return addresses;
    }

    private static boolean loopback(String hex) {
        return hex.equals("0100007F") || hex.equals("0000000000000000FFFF00000100007F")
                || hex.equals("00000000000000000000000001000000");
    }

    private static boolean everyInterface(String hex) {
        return hex.chars().allMatch(c -> c == '0') || hex.equals("0000000000000000FFFF000000000000");
    }
}
