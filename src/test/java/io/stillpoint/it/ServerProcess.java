package io.stillpoint.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The packaged server started as its own process, as an admin starts it, on a port of its own. */
public final class ServerProcess implements AutoCloseable {

    static final String ADMIN_PASSWORD = "it-admin-password-1";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final int port;
    private final int httpsPort;

    private ServerProcess(Process process, int port, int httpsPort) {
        this.process = process;
        this.port = port;
        this.httpsPort = httpsPort;
    }

    /** Starts the jar on the embedded catalog under {@code home} and waits until it is ready. */
    public static ServerProcess start(Path home, Path log) throws Exception {
        return start(home, log, Map.of());
    }

    /** As {@link #start(Path, Path)}, with extra environment variables (settings). */
    public static ServerProcess start(Path home, Path log, Map<String, String> settings) throws Exception {
        return start(home, log, settings, List.of());
    }

    /**
     * As {@link #start(Path, Path, Map)}, as the unprivileged user {@link #UNPRIVILEGED} when the tests
     * run as root (the embedded PostgreSQL refuses to run as root), its home given to that user.
     */
    static ServerProcess startUnprivileged(Path home, Path log, Map<String, String> settings) throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            return start(home, log, settings);
        }
        Files.createDirectories(home);
        try (var tree = Files.walk(home)) {
            for (Path path : (Iterable<Path>) tree::iterator) {
                Files.setOwner(path, home.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(UNPRIVILEGED));
            }
        }
        return start(home, log, settings, List.of("setpriv", "--reuid=" + UNPRIVILEGED, "--regid=" + UNPRIVILEGED_GROUP,
                "--clear-groups"));
    }

    /** The user and group the server runs as in {@link #startUnprivileged}. */
    static final String UNPRIVILEGED = "nobody";
    static final String UNPRIVILEGED_GROUP = "nogroup";

    private static ServerProcess start(Path home, Path log, Map<String, String> settings, List<String> prefix)
            throws Exception {
        String jar = Path.of(System.getProperty("stillpoint.app.jar", "target/quarkus-app/quarkus-run.jar"))
                .toAbsolutePath().toString();
        int port = freePort();
        // HTTPS on a port of its own too: two nodes of a cluster test cannot share 8443
        int httpsPort = freePort();
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.http.ssl-port=" + httpsPort,
                "-jar", jar));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = builder.environment();
        env.remove("QUARKUS_DATASOURCE_JDBC_URL");
        env.put("STILLPOINT_HOME", home.toString());
        env.put("STILLPOINT_ADMIN_PASSWORD", ADMIN_PASSWORD);
        env.putAll(settings);
        ServerProcess server = new ServerProcess(builder.start(), port, httpsPort);
        server.awaitReady(Duration.ofSeconds(120), log);
        return server;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** The plain HTTP port, on the loopback interface. */
    int port() {
        return port;
    }

    /** The HTTPS port, on every interface. */
    int httpsPort() {
        return httpsPort;
    }

    private void awaitReady(Duration within, Path log) throws Exception {
        Instant deadline = Instant.now().plus(within);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                List<String> lines = Files.readAllLines(log);
                throw new IllegalStateException("the server exited with " + process.exitValue() + " while starting; the end of "
                        + log + ":\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
            }
            try {
                if (HTTP.send(request("/q/health/ready").build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // the port is not open yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the server was not ready within " + within);
    }

    public JsonNode get(String path) throws Exception {
        HttpResponse<String> response = HTTP.send(request(path).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    public JsonNode postEmpty(String path) throws Exception {
        return send(request(path).POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    private JsonNode send(HttpRequest request) throws Exception {
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(request.uri() + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    public JsonNode post(String path, Object body) throws Exception {
        HttpResponse<String> response = HTTP.send(request(path)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException("POST " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    /** A request as a browser or another client sends it: no credentials unless {@code headers} carry them. */
    HttpResponse<String> anonymous(String method, String path, Map<String, String> headers, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String path) {
        String credentials = Base64.getEncoder().encodeToString(("admin:" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Basic " + credentials);
    }

    /** As {@code kill -9}: no shutdown hook runs. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** As {@code kill}: a clean shutdown; returns the exit code. */
    int stop() throws InterruptedException {
        process.destroy();
        return process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
