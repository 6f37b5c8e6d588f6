package io.stillpoint.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Listens on a guest agent's socket and answers as qemu-ga 7.2 does (guest-sync-delimited with its 0xFF
 * byte, guest-ping, guest-fsfreeze-*), or stays silent as a socket without an agent behind it does. It can
 * also hang on the freeze, as an agent stuck syncing a file system would, fail it, or freeze nothing, as
 * an agent in a guest without a file system it can freeze (an initramfs, say) does.
 */
public final class AgentStandIn implements AutoCloseable {

    public enum Behaviour { ANSWERS, SILENT, FREEZE_HANGS, FREEZE_FAILS, FREEZES_NOTHING }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path socket;
    private final ServerSocketChannel server;
    private final List<String> commands = new CopyOnWriteArrayList<>();
    private volatile Behaviour behaviour = Behaviour.ANSWERS;
    private volatile boolean frozen;

    public AgentStandIn(Path socket) throws IOException {
        this.socket = socket;
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread acceptor = new Thread(this::accept, "agent-stand-in");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public Path socket() {
        return socket;
    }

    public AgentStandIn behave(Behaviour next) {
        behaviour = next;
        return this;
    }

    public boolean frozen() {
        return frozen;
    }

    /** The commands received, sync commands left out. */
    public List<String> commands() {
        return List.copyOf(commands);
    }

    private void accept() {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                Thread serve = new Thread(() -> serve(client), "agent-stand-in-client");
                serve.setDaemon(true);
                serve.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(SocketChannel client) {
        try (client) {
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (client.read(buffer.clear()) > 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    byte b = buffer.get();
                    if (b != '\n') {
                        line.write(b);
                        continue;
                    }
                    JsonNode request = JSON.readTree(line.toString(StandardCharsets.UTF_8));
                    line.reset();
                    String reply = answer(request);
                    if (reply != null) {
                        client.write(ByteBuffer.wrap(reply.getBytes(StandardCharsets.ISO_8859_1)));
                    }
                }
            }
        } catch (IOException e) {
            // the client went away, as Stillpoint's does after each call
        }
    }

    private String answer(JsonNode request) {
        String command = request.path("execute").asText();
        if (behaviour == Behaviour.SILENT) {
            return null;
        }
        if (command.equals("guest-sync-delimited")) {
            return "\u00ff{\"return\": " + request.path("arguments").path("id").asLong() + "}\n";
        }
        commands.add(command);
        return switch (command) {
            case "guest-ping" -> "{\"return\": {}}\n";
            case "guest-fsfreeze-status" -> "{\"return\": \"" + (frozen ? "frozen" : "thawed") + "\"}\n";
            case "guest-fsfreeze-freeze" -> switch (behaviour) {
                case FREEZE_HANGS -> {
                    frozen = true;
                    yield null;
                }
                case FREEZE_FAILS -> "{\"error\": {\"class\": \"GenericError\", \"desc\": \"failed to freeze /: Device or resource busy\"}}\n";
                case FREEZES_NOTHING -> "{\"return\": 0}\n";
                default -> {
                    frozen = true;
                    yield "{\"return\": 1}\n";
                }
            };
            case "guest-fsfreeze-thaw" -> {
                int thawed = frozen ? 1 : 0;
                frozen = false;
                yield "{\"return\": " + thawed + "}\n";
            }
            default -> "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"unknown command\"}}\n";
        };
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(socket);
    }
}
