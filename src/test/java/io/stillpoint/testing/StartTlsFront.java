package io.stillpoint.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocket;

/**
 * STARTTLS in front of a plain SMTP server, since GreenMail does not speak it: it greets, offers only {@code
 * STARTTLS} and refuses every other command until the client has upgraded the connection (RFC 3207), then hands
 * the encrypted connection's bytes to the server behind it, whose greeting it swallows, as the client expects
 * none after the upgrade. {@link #upgrades()} counts the handshakes that succeeded.
 */
public final class StartTlsFront implements AutoCloseable {

    private final ServerSocket listener;
    private final int backend;
    private final AtomicInteger upgrades = new AtomicInteger();

    private StartTlsFront(int backendPort) throws IOException {
        this.backend = backendPort;
        this.listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread accept = new Thread(this::accept, "starttls-front");
        accept.setDaemon(true);
        accept.start();
    }

    public static StartTlsFront before(int backendPort) {
        try {
            return new StartTlsFront(backendPort);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return listener.getLocalPort();
    }

    public int upgrades() {
        return upgrades.get();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Thread session = new Thread(() -> serve(client), "starttls-session");
                session.setDaemon(true);
                session.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            OutputStream out = client.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
            send(out, "220 localhost ESMTP front");
            while (true) {
                String line = in.readLine();
                if (line == null) {
                    return;
                }
                String command = line.toUpperCase(java.util.Locale.ROOT);
                if (command.startsWith("EHLO")) {
                    send(out, "250-localhost\r\n250 STARTTLS");
                } else if (command.equals("STARTTLS")) {
                    send(out, "220 2.0.0 Ready to start TLS");
                    break;
                } else if (command.equals("QUIT")) {
                    send(out, "221 bye");
                    return;
                } else {
                    send(out, "530 5.7.0 Must issue a STARTTLS command first");
                }
            }
            SSLSocket tls = (SSLSocket) MailLab.serverContext().getSocketFactory()
                    .createSocket(client, "localhost", client.getPort(), true);
            tls.setUseClientMode(false);
            tls.startHandshake();
            upgrades.incrementAndGet();
            try (tls; Socket server = new Socket(InetAddress.getLoopbackAddress(), backend)) {
                skipLine(server.getInputStream());
                Thread up = new Thread(() -> pump(tls, server), "starttls-up");
                up.setDaemon(true);
                up.start();
                pump(server, tls);
            }
        } catch (IOException ended) {
            // the client or the server hung up
        }
    }

    /** The server's greeting, read byte by byte so that nothing after it is buffered away. */
    private static void skipLine(InputStream in) throws IOException {
        int b = in.read();
        while (b != -1 && b != '\n') {
            b = in.read();
        }
    }

    private static void pump(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
        } catch (IOException ended) {
            // one side closed
        }
    }

    private static void send(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
