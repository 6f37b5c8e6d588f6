package io.stillpoint.host.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stillpoint.host.HostException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A QMP connection: greeting and {@code qmp_capabilities}, commands with ids answered from a reader
 * thread, and the events QEMU interleaves with the replies kept in order for whoever waits for them.
 * Every command and every wait has a deadline; when it passes the caller gets a transient {@link
 * HostException} and the connection stays usable (a late reply carries an id nobody waits for).
 *
 * <p>QEMU serves one client per QMP socket, so the server needs a socket of its own per guest.
 */
public final class QmpClient implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int KEPT_EVENTS = 4096;

    private final Path socket;
    private final SocketChannel channel;
    private final Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final CompletableFuture<JsonNode> greeting = new CompletableFuture<>();
    private final Deque<QmpEvent> events = new ArrayDeque<>();
    private final AtomicLong ids = new AtomicLong();
    private final Object writeLock = new Object();
    private long eventCount;
    private volatile String closedBecause;

    private QmpClient(Path socket, SocketChannel channel) {
        this.socket = socket;
        this.channel = channel;
    }

    /**
     * Connects and negotiates capabilities.
     *
     * @throws HostException if nothing listens on the socket, or the greeting or the negotiation does not
     *     come within {@code deadline} (a socket that accepts and stays silent)
     */
    public static QmpClient connect(Path socket, Duration deadline) {
        SocketChannel channel;
        try {
            channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw new HostException("cannot connect to QMP socket " + socket + ": " + e.getMessage(), true, e);
        }
        QmpClient client = new QmpClient(socket, channel);
        Thread reader = new Thread(client::readLoop, "qmp-" + socket.getFileName());
        reader.setDaemon(true);
        reader.start();
        try {
            client.await(client.greeting, "greeting", deadline);
            client.execute("qmp_capabilities", null, deadline);
            return client;
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    public boolean isOpen() {
        return closedBecause == null && channel.isOpen();
    }

    /** Runs a command and returns its {@code return} member. */
    public JsonNode execute(String command, Map<String, ?> arguments, Duration deadline) {
        ObjectNode message = JSON.createObjectNode();
        message.put("execute", command);
        if (arguments != null && !arguments.isEmpty()) {
            message.set("arguments", JSON.valueToTree(arguments));
        }
        String id = "sp-" + ids.incrementAndGet();
        message.put("id", id);
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        try {
            send(message);
            JsonNode answer = await(reply, command, deadline);
            JsonNode error = answer.get("error");
            if (error != null) {
                throw new QmpException(command, error.path("class").asText(), error.path("desc").asText());
            }
            return answer.path("return");
        } finally {
            pending.remove(id);
        }
    }

    /** The number of events seen so far: pass it to {@link #awaitEvent} to wait only for later ones. */
    public long mark() {
        synchronized (events) {
            return eventCount;
        }
    }

    /** Waits for the first event at or after {@code mark} that matches, within {@code deadline}. */
    public QmpEvent awaitEvent(long mark, Predicate<QmpEvent> match, String what, Duration deadline) {
        long until = System.nanoTime() + deadline.toNanos();
        synchronized (events) {
            while (true) {
                for (QmpEvent event : events) {
                    if (event.sequence() >= mark && match.test(event)) {
                        return event;
                    }
                }
                if (closedBecause != null) {
                    throw new HostException("QMP connection to " + socket + " closed while waiting for " + what + ": "
                            + closedBecause, true, null);
                }
                long left = until - System.nanoTime();
                if (left <= 0) {
                    throw new HostException("no " + what + " from QEMU on " + socket + " within " + deadline.toMillis()
                            + " ms", true, null);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(events, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new HostException("interrupted while waiting for " + what, true, e);
                }
            }
        }
    }

    @Override
    public void close() {
        shutDown("closed by Stillpoint");
    }

    private void send(ObjectNode message) {
        byte[] bytes = (message.toString() + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (writeLock) {
            try {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            } catch (IOException e) {
                shutDown("write failed: " + e.getMessage());
                throw new HostException("QMP connection to " + socket + " failed: " + e.getMessage(), true, e);
            }
        }
    }

    private JsonNode await(CompletableFuture<JsonNode> future, String what, Duration deadline) {
        try {
            return future.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new HostException("QEMU did not answer " + what + " on " + socket + " within " + deadline.toMillis()
                    + " ms", true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostException("interrupted while waiting for QEMU's answer to " + what, true, e);
        } catch (ExecutionException e) {
            throw new HostException("QMP connection to " + socket + " lost during " + what + ": "
                    + e.getCause().getMessage(), true, e.getCause());
        }
    }

    private void readLoop() {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            while (true) {
                buffer.clear();
                if (channel.read(buffer) < 0) {
                    shutDown("QEMU closed the connection");
                    return;
                }
                buffer.flip();
                while (buffer.hasRemaining()) {
                    byte b = buffer.get();
                    if (b == '\n') {
                        dispatch(line.toString(StandardCharsets.UTF_8));
                        line.reset();
                    } else {
                        line.write(b);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            shutDown(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
    }

    private void dispatch(String text) throws IOException {
        if (text.isBlank()) {
            return;
        }
        JsonNode message = JSON.readTree(text);
        if (message.has("QMP")) {
            greeting.complete(message);
        } else if (message.has("event")) {
            JsonNode ts = message.path("timestamp");
            Instant at = Instant.ofEpochSecond(ts.path("seconds").asLong(), ts.path("microseconds").asLong() * 1000);
            JsonNode data = message.has("data") ? message.get("data") : JSON.createObjectNode();
            synchronized (events) {
                events.addLast(new QmpEvent(eventCount++, message.get("event").asText(), data, at));
                if (events.size() > KEPT_EVENTS) {
                    events.removeFirst();
                }
                events.notifyAll();
            }
        } else {
            CompletableFuture<JsonNode> reply = pending.get(message.path("id").asText());
            if (reply != null) {
                reply.complete(message);
            }
        }
    }

    private void shutDown(String why) {
        synchronized (events) {
            if (closedBecause == null) {
                closedBecause = why;
            }
            events.notifyAll();
        }
        try {
            channel.close();
        } catch (IOException e) {
            // the channel is unusable either way; the reason given to waiters is the one that counts
        }
        HostException lost = new HostException(why, true, null);
        greeting.completeExceptionally(lost);
        pending.values().forEach(f -> f.completeExceptionally(lost));
    }
}
