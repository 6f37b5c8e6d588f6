package io.stillpoint.testing;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * Real SMTP servers for the alert tests: GreenMail in the test JVM, plain or with TLS from the first byte
 * (SMTPS), requiring authentication; and the certificate they present, made for this test run with the JDK's
 * keytool for {@code localhost} and {@code 127.0.0.1} (GreenMail's own has no host name to verify), for the
 * channel to trust. GreenMail reads its key store once per JVM, so it is made once.
 */
public final class MailLab {

    public static final String ADDRESS = "ops@example.org";
    public static final String USER = "stillpoint-mailer";
    public static final String PASSWORD = "smtp-password-1";
    private static final String STORE_PASSWORD = "changeit";

    private static Path keyStore;
    private static String certificatePem;

    private MailLab() {}

    /** GreenMail on a free loopback port, with the user {@link #USER} and authentication required. */
    public static GreenMail start(boolean implicitTls) {
        prepareKeyStore();
        ServerSetup setup = new ServerSetup(0, "127.0.0.1",
                implicitTls ? ServerSetup.PROTOCOL_SMTPS : ServerSetup.PROTOCOL_SMTP).dynamicPort();
        GreenMail mail = new GreenMail(setup);
        mail.setUser(ADDRESS, USER, PASSWORD);
        mail.start();
        mail.getManagers().getSmtpManager().getUserManager().setAuthRequired(true);
        return mail;
    }

    public static int port(GreenMail mail) {
        return (mail.getSmtps() != null ? mail.getSmtps() : mail.getSmtp()).getPort();
    }

    /** The certificate the TLS servers present, as PEM. */
    public static synchronized String certificatePem() {
        prepareKeyStore();
        return certificatePem;
    }

    /** A server-side TLS context with the same key, for a STARTTLS front. */
    public static synchronized SSLContext serverContext() {
        prepareKeyStore();
        try (InputStream in = Files.newInputStream(keyStore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, STORE_PASSWORD.toCharArray());
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, STORE_PASSWORD.toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static synchronized void prepareKeyStore() {
        if (keyStore != null) {
            return;
        }
        try {
            Path dir = Files.createTempDirectory("stillpoint-smtp-tls-");
            Path store = dir.resolve("smtp.p12");
            keytool("-genkeypair", "-alias", "greenmail", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                    "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-storetype", "PKCS12",
                    "-keystore", store.toString(), "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD);
            Path pem = dir.resolve("smtp.pem");
            keytool("-exportcert", "-rfc", "-alias", "greenmail", "-keystore", store.toString(), "-storepass",
                    STORE_PASSWORD, "-file", pem.toString());
            certificatePem = Files.readString(pem, StandardCharsets.US_ASCII);
            System.setProperty("greenmail.tls.keystore.file", store.toString());
            System.setProperty("greenmail.tls.keystore.password", STORE_PASSWORD);
            System.setProperty("greenmail.tls.key.password", STORE_PASSWORD);
            keyStore = store;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void keytool(String... arguments) throws IOException {
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("keytool failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
