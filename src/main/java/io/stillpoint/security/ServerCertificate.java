package io.stillpoint.security;

import io.stillpoint.fs.Durable;
import io.stillpoint.fs.SecretFile;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The self-signed certificate a first start makes when none is configured, so that the server speaks
 * HTTPS out of the box: {@code server.crt} and {@code server.key} (mode 0600) in
 * {@code $STILLPOINT_HOME/tls/} (0700), kept across restarts. Clients trust it by its file or its
 * SHA-256 fingerprint, which the log shows at every start.
 */
public final class ServerCertificate {

    public static final String CERTIFICATE_FILE = "server.crt";
    public static final String KEY_FILE = "server.key";

    /** Long, since nobody renews a self-signed certificate: clients pin it, they do not check its dates. */
    private static final Duration VALIDITY = Duration.ofDays(3650);

    private ServerCertificate() {}

    /**
     * The certificate and key in {@code folder}, made there first if either is missing. Processes
     * starting at once on one home take turns through a lock file, so that they agree on one pair.
     */
    public static List<Path> readOrCreate(Path folder) throws IOException {
        SecretFile.privateFolder(folder);
        Path certificate = folder.resolve(CERTIFICATE_FILE);
        Path key = folder.resolve(KEY_FILE);
        try (FileChannel lockFile = FileChannel.open(folder.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = lockFile.lock()) {
            if (!Files.isRegularFile(certificate) || !Files.isRegularFile(key)) {
                create(certificate, key);
            }
        }
        SecretFile.checkPrivate(key);
        return List.of(certificate, key);
    }

    /** The names a client may reach this server by: localhost, the host's name, and the loopback addresses. */
    static Set<String> names() {
        Set<String> names = new LinkedHashSet<>(List.of("localhost"));
        try {
            InetAddress self = InetAddress.getLocalHost();
            names.add(self.getHostName().toLowerCase(Locale.ROOT));
            names.add(self.getCanonicalHostName().toLowerCase(Locale.ROOT));
        } catch (IOException noName) {
            // a host without a resolvable name is reached as localhost or by address only
        }
        names.removeIf(name -> name.isEmpty() || Character.isDigit(name.charAt(0)) || name.contains(":"));
        return names;
    }

    private static void create(Path certificate, Path key) throws IOException {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = generator.generateKeyPair();
            Set<String> names = names();
            List<GeneralName> alternatives = new ArrayList<>();
            names.forEach(name -> alternatives.add(new GeneralName(GeneralName.dNSName, name)));
            alternatives.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
            alternatives.add(new GeneralName(GeneralName.iPAddress, "::1"));
            String host = names.stream().filter(n -> !n.equals("localhost")).findFirst().orElse("localhost");
            X500Name subject = new X500Name("CN=" + host + ", O=Stillpoint");
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                    new BigInteger(127, new SecureRandom()).add(BigInteger.ONE), Date.from(now.minus(Duration.ofDays(1))),
                    Date.from(now.plus(VALIDITY)), subject, pair.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(alternatives.toArray(GeneralName[]::new)));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createSubjectKeyIdentifier(pair.getPublic()));
            X509Certificate made = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            // The key first: a certificate on disk means its key is there too.
            publish(key, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
            publish(certificate, pem("CERTIFICATE", made.getEncoded()));
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot make a self-signed certificate: " + e.getMessage(), e);
        }
    }

    /** Written 0600 under a temporary name, forced, then moved into place. */
    private static void publish(Path target, String content) throws IOException {
        Path temp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            if (Files.getFileStore(target.getParent()).supportsFileAttributeView("posix")) {
                Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(temp);
            }
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                out.write(StandardCharsets.US_ASCII.encode(content));
                out.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
        Durable.syncDirectory(target.getParent());
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** The first certificate in a PEM file. */
    public static X509Certificate read(Path pem) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** The SHA-256 fingerprint of the certificate, as browsers and {@code openssl x509 -fingerprint} show it. */
    public static String fingerprint(X509Certificate certificate) throws GeneralSecurityException {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
        return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
    }
}
