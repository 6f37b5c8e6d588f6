package io.stillpoint.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A real HTTP receiver on the loopback, as an admin's webhook endpoint: it checks every request's signature
 * with the channel's secret as the README tells receivers to (independently of the server's code), answers
 * from a script (e.g. 500 three times, then 200), and keeps what it received.
 */
public final class WebhookReceiver implements AutoCloseable {

    /** What one request carried, and whether its signature held. */
    public record Received(Instant at, String id, String event, long timestamp, boolean signatureValid, JsonNode body,
            int answered) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Integer> script = new ConcurrentLinkedQueue<>();
    private volatile String secret;
    private volatile int otherwise = 200;

    private WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/hook", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    public static WebhookReceiver start() {
        try {
            return new WebhookReceiver();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    /** The secret the channel's creation showed, to check signatures with. */
    public WebhookReceiver secret(String value) {
        this.secret = value;
        return this;
    }

    /** Answers these statuses to the next requests, one each, then {@code then} to every other. */
    public WebhookReceiver answer(int then, Integer... first) {
        script.clear();
        script.addAll(List.of(first));
        this.otherwise = then;
        return this;
    }

    public List<Received> received() {
        return new ArrayList<>(received);
    }

    public List<Received> received(Predicate<Received> which) {
        return received.stream().filter(which).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        Instant at = Instant.now();
        byte[] body = exchange.getRequestBody().readAllBytes();
        String timestamp = exchange.getRequestHeaders().getFirst("X-Stillpoint-Timestamp");
        String signature = exchange.getRequestHeaders().getFirst("X-Stillpoint-Signature");
        Integer scripted = script.poll();
        int status = scripted == null ? otherwise : scripted;
        JsonNode parsed;
        try {
            parsed = JSON.readTree(body);
        } catch (IOException notJson) {
            parsed = null;
        }
        received.add(new Received(at, exchange.getRequestHeaders().getFirst("X-Stillpoint-Id"),
                exchange.getRequestHeaders().getFirst("X-Stillpoint-Event"),
                timestamp == null ? -1 : Long.parseLong(timestamp), valid(timestamp, body, signature), parsed, status));
        byte[] answer = (status == 200 ? "thanks" : "busy, try later").getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
        }
    }

    /** HMAC-SHA256 over "<timestamp>.<body>" with the secret's UTF-8 bytes, compared in constant time. */
    private boolean valid(String timestamp, byte[] body, String signature) {
        if (secret == null || timestamp == null || signature == null || !signature.startsWith("sha256=")) {
            return false;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
            byte[] expected = mac.doFinal(body);
            byte[] given = java.util.HexFormat.of().parseHex(signature.substring("sha256=".length()));
            return MessageDigest.isEqual(expected, given)
                    && Duration.between(Instant.ofEpochSecond(Long.parseLong(timestamp)), Instant.now()).abs()
                            .compareTo(Duration.ofMinutes(5)) < 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
