package io.stillpoint.host.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stillpoint.host.HostException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The QMP client against stand-ins that misbehave as a stalled or dying QEMU does. */
class QmpClientTest {

    private static final Duration SHORT = Duration.ofMillis(300);
    private static final String GREETING = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}}, \"capabilities\": [\"oob\"]}}\n";

    @TempDir
    Path dir;

    private ServerSocketChannel server;

    @AfterEach
    void closeServer() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    /** Serves one client: the greeting, then {@code reply} answers each line received (null: silence). */
    private Path standIn(boolean greet, Function<String, String> reply) throws IOException {
        Path socket = dir.resolve("qmp.sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread serve = new Thread(() -> {
            try (SocketChannel client = server.accept()) {
                if (greet) {
                    client.write(ByteBuffer.wrap(GREETING.getBytes(StandardCharsets.UTF_8)));
                }
                ByteBuffer buffer = ByteBuffer.allocate(4096);
                StringBuilder line = new StringBuilder();
                while (client.read(buffer.clear()) > 0) {
                    for (byte b : java.util.Arrays.copyOf(buffer.array(), buffer.position())) {
                        if (b != '\n') {
                            line.append((char) b);
                            continue;
                        }
                        String answer = reply.apply(line.toString());
                        line.setLength(0);
                        if (answer == null) {
                            continue;
                        }
                        if (answer.equals("HANG UP")) {
                            return;
                        }
                        client.write(ByteBuffer.wrap(answer.getBytes(StandardCharsets.UTF_8)));
                    }
                }
            } catch (IOException e) {
                // the test closed the server
            }
        });
        serve.setDaemon(true);
        serve.start();
        return socket;
    }

    private static String id(String request) {
        return request.replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
    }

    @Test
    void aSocketThatAcceptsAndNeverGreetsFailsAtTheDeadline() throws IOException {
        Path socket = standIn(false, request -> null);
        long started = System.nanoTime();
        assertThatThrownBy(() -> QmpClient.connect(socket, SHORT)).isInstanceOf(HostException.class)
                .hasMessageContaining("greeting").hasMessageContaining("300 ms")
                .matches(e -> ((HostException) e).transientFailure());
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void aCommandThatIsNeverAnsweredFailsAtItsDeadline() throws IOException {
        Path socket = standIn(true, request -> request.contains("qmp_capabilities")
                ? "{\"return\": {}, \"id\": \"" + id(request) + "\"}\n" : null);
        try (QmpClient client = QmpClient.connect(socket, SHORT)) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> client.execute("query-status", null, SHORT)).isInstanceOf(HostException.class)
                    .hasMessageContaining("query-status").hasMessageContaining("within 300 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
            assertThat(client.isOpen()).isTrue();
        }
    }

    @Test
    void eventsWithoutDataAreQueuedBesideTheReplies() throws IOException {
        Path socket = standIn(true, request -> request.contains("\"stop\"")
                ? "{\"timestamp\": {\"seconds\": 1795687926, \"microseconds\": 454117}, \"event\": \"STOP\"}\n"
                        + "{\"return\": {}, \"id\": \"" + id(request) + "\"}\n"
                : "{\"return\": {}, \"id\": \"" + id(request) + "\"}\n");
        try (QmpClient client = QmpClient.connect(socket, SHORT)) {
            long mark = client.mark();
            client.execute("stop", null, SHORT);
            QmpEvent stop = client.awaitEvent(mark, e -> e.name().equals("STOP"), "STOP", SHORT);
            assertThat(stop.data().isEmpty()).isTrue();
            assertThat(stop.timestamp().getEpochSecond()).isEqualTo(1795687926L);
            assertThat(stop.timestamp().getNano()).isEqualTo(454117000);
            assertThatThrownBy(() -> client.awaitEvent(client.mark(), e -> true, "RESUME", SHORT))
                    .isInstanceOf(HostException.class).hasMessageContaining("no RESUME");
        }
    }

    @Test
    void aQemuThatGoesAwayFailsTheWaitingCommandAtOnce() throws IOException {
        Path socket = standIn(true, request -> request.contains("qmp_capabilities")
                ? "{\"return\": {}, \"id\": \"" + id(request) + "\"}\n" : "HANG UP");
        try (QmpClient client = QmpClient.connect(socket, Duration.ofSeconds(5))) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> client.execute("quit", null, Duration.ofSeconds(5))).isInstanceOf(HostException.class)
                    .hasMessageContaining("lost during quit");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
            assertThat(client.isOpen()).isFalse();
        }
    }

    @Test
    void anErrorReplyIsAQmpException() throws IOException {
        Path socket = standIn(true, request -> request.contains("qmp_capabilities")
                ? "{\"return\": {}, \"id\": \"" + id(request) + "\"}\n"
                : "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Node 'x' is busy\"}, \"id\": \"" + id(request) + "\"}\n");
        try (QmpClient client = QmpClient.connect(socket, SHORT)) {
            assertThatThrownBy(() -> client.execute("block-commit", null, SHORT))
                    .isInstanceOfSatisfying(QmpException.class, e -> assertThat(e.errorClass()).isEqualTo("GenericError"))
                    .hasMessageContaining("Node 'x' is busy");
        }
    }
}
