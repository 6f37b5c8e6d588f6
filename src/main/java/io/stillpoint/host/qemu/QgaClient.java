package io.stillpoint.host.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stillpoint.host.HostException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Talks to a qemu-guest-agent on the host end of its virtio-serial channel. The agent has no greeting
 * and no request ids, and a reply to a command whose caller gave up may still arrive later on the same
 * channel; so each call opens the socket, resynchronises with {@code guest-sync-delimited} (the agent
 * answers with a 0xFF byte and the random id, after any stale output) and only then sends its command.
 * Without an agent in the guest the socket accepts and never answers, which the deadline turns into an
 * error.
 */
public final class QgaClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path socket;

    public QgaClient(Path socket) {
        this.socket = socket;
    }

    /** Runs one agent command and returns its {@code return} member, all within {@code deadline}. */
    public JsonNode call(String command, Duration deadline) {
        return call(command, null, deadline);
    }

    /** Runs one agent command with arguments (such as {@code guest-exec}'s) and returns its {@code return} member. */
    public JsonNode call(String command, Map<String, ?> arguments, Duration deadline) {
        long until = System.nanoTime() + deadline.toNanos();
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                Selector selector = Selector.open()) {
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ);
            Reader reader = new Reader(channel, selector, until, command, deadline);
            long syncId = ThreadLocalRandom.current().nextLong(1, Integer.MAX_VALUE);
            ObjectNode sync = JSON.createObjectNode().put("execute", "guest-sync-delimited");
            sync.putObject("arguments").put("id", syncId);
            write(channel, sync);
            reader.skipPastDelimiter();
            while (reader.next().path("return").asLong() != syncId) {
                // stale replies of earlier, abandoned calls come first; the sync id marks the end of them
            }
            ObjectNode message = JSON.createObjectNode().put("execute", command);
            if (arguments != null && !arguments.isEmpty()) {
                message.set("arguments", JSON.valueToTree(arguments));
            }
            write(channel, message);
            JsonNode answer = reader.next();
            JsonNode error = answer.get("error");
            if (error != null) {
                throw new QmpException(command, error.path("class").asText(), error.path("desc").asText());
            }
            return answer.path("return");
        } catch (IOException e) {
            throw new HostException("guest agent on " + socket + " failed during " + command + ": " + e.getMessage(),
                    true, e);
        }
    }

    private static void write(SocketChannel channel, ObjectNode message) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap((message + "\n").getBytes(StandardCharsets.UTF_8));
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private final class Reader {
        private final SocketChannel channel;
        private final Selector selector;
        private final long until;
        private final String command;
        private final Duration deadline;
        private final ByteBuffer buffer = ByteBuffer.allocate(8192);

        Reader(SocketChannel channel, Selector selector, long until, String command, Duration deadline) {
            this.channel = channel;
            this.selector = selector;
            this.until = until;
            this.command = command;
            this.deadline = deadline;
            buffer.flip();
        }

        void skipPastDelimiter() throws IOException {
            while (nextByte() != (byte) 0xFF) {
                // output before the delimiter belongs to commands nobody waits for any more
            }
        }

        JsonNode next() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (true) {
                byte b = nextByte();
                if (b == '\n') {
                    String text = line.toString(StandardCharsets.UTF_8).trim();
                    if (!text.isEmpty()) {
                        return JSON.readTree(text);
                    }
                } else if (b != (byte) 0xFF) {
                    line.write(b);
                }
            }
        }

        private byte nextByte() throws IOException {
            while (!buffer.hasRemaining()) {
                long left = until - System.nanoTime();
                if (left <= 0) {
                    throw new HostException("guest agent on " + socket + " did not answer " + command + " within "
                            + deadline.toMillis() + " ms", true, null);
                }
                selector.select(Math.max(1, left / 1_000_000));
                selector.selectedKeys().clear();
                buffer.clear();
                int n = channel.read(buffer);
                buffer.flip();
                if (n < 0) {
                    throw new IOException("the agent's socket was closed");
                }
            }
            return buffer.get();
        }
    }
}
