package io.stillpoint.catalog;

import io.stillpoint.fs.Durable;
import io.stillpoint.fs.SecretFile;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.jboss.logging.Logger;
import org.postgresql.util.PasswordUtil;

/**
 * The PostgreSQL Stillpoint starts for itself when no external one is configured: real PostgreSQL
 * binaries (from Maven Central) running on a data directory under {@code $STILLPOINT_HOME/pg} that is
 * kept across restarts, reachable only with its password.
 */
public final class EmbeddedCatalog implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EmbeddedCatalog.class);
    private static final String DATABASE = "stillpoint";
    private static final String PASSWORD_FILE = "catalog.password";

    /** Password (SCRAM) sign-ins over loopback TCP; nothing else, and no {@code local} line at all. */
    private static final String HBA = """
            # Written by Stillpoint at every start (a change here is overwritten): sign-in with the
            # password in catalog.password, over loopback TCP only. There is no Unix socket.
            host    all    all    127.0.0.1/32    scram-sha-256
            host    all    all    ::1/128         scram-sha-256
            """;

    private static final AtomicReference<EmbeddedCatalog> RUNNING = new AtomicReference<>();

    private final EmbeddedPostgres postgres;
    private final String password;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedCatalog(EmbeddedPostgres postgres, String password) {
        this.postgres = postgres;
        this.password = password;
    }

    /** The catalog this process started, if it started one. */
    public static Optional<EmbeddedCatalog> running() {
        return Optional.ofNullable(RUNNING.get());
    }

    /**
     * Starts PostgreSQL on {@code <home>/pg}, creating the cluster and the catalog database on first
     * use, and secures it at every start (so that a catalog made by an older version, which trusted
     * every local connection, is upgraded in place): the superuser's password is set from {@code
     * <home>/catalog.password} (generated on first use, 0600), sign-in takes that password (SCRAM) over
     * loopback TCP only, and there is no Unix socket. The binaries are unpacked under {@code
     * <home>/postgres-binaries} (0700), not in the shared temporary folder, where another local user
     * could swap them for programs of their own.
     */
    public static EmbeddedCatalog start(Path home) throws IOException {
        Path dataDir = home.resolve("pg");
        Path binaries = home.resolve("postgres-binaries");
        Files.createDirectories(dataDir);
        SecretFile.privateFolder(binaries);
        String password = SecretFile.readOrCreate(home.resolve(PASSWORD_FILE));
        stopOrphanedPostmaster(dataDir);
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setOverrideWorkingDirectory(binaries.toFile())
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                // the application closes the catalog after Quarkus has stopped using it
                .setRegisterShutdownHook(false)
                .setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("listen_addresses", "localhost")
                .setServerConfig("unix_socket_directories", "''")
                .setServerConfig("password_encryption", "scram-sha-256")
                .setConnectConfig("password", password)
                .setDataDirectoryCustomizer(data -> secure(data.toPath(), binaries, password))
                .start();
        // zonky makes its working folder writable by all; without search permission for them that
        // gives nothing, but the folder is ours and goes back to 0700
        SecretFile.privateFolder(binaries);
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement();
                ResultSet exists = statement.executeQuery(
                        "SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'")) {
            if (!exists.next()) {
                statement.execute("CREATE DATABASE " + DATABASE);
            }
        } catch (SQLException e) {
            postgres.close();
            throw new IOException("embedded PostgreSQL started but the catalog database could not be created", e);
        }
        LOG.infof("embedded PostgreSQL running on 127.0.0.1 port %d with data in %s; it takes the password in %s",
                postgres.getPort(), dataDir, home.resolve(PASSWORD_FILE));
        EmbeddedCatalog catalog = new EmbeddedCatalog(postgres, password);
        RUNNING.set(catalog);
        return catalog;
    }

    /**
     * Before the server starts: sets the superuser's password in single-user mode (which listens on
     * nothing, so no connection can come in meanwhile) and replaces pg_hba.conf. The statement goes
     * through standard input, never a command line, and carries only the SCRAM verifier.
     */
    private static void secure(Path dataDir, Path binaries, String password) {
        try {
            Path postgresBinary = postgresBinary(binaries);
            String statement = "ALTER ROLE postgres WITH PASSWORD '"
                    + PasswordUtil.encodeScramSha256(password.toCharArray()) + "';\n";
            List<String> command = new ArrayList<>();
            if (LinuxUtils.isUnshareAvailable()) {
                // PostgreSQL refuses to run as root; zonky starts the server itself in a user namespace of
                // its own where it is not root (unshare -U), and single-user mode needs the same.
                command.addAll(List.of("unshare", "-U"));
            }
            command.addAll(List.of(postgresBinary.toString(), "--single", "-D", dataDir.toString(), "postgres"));
            Process single = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .start();
            try (OutputStream in = single.getOutputStream()) {
                in.write(statement.getBytes(StandardCharsets.UTF_8));
            }
            String output = new String(single.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            boolean exited = single.waitFor(120, TimeUnit.SECONDS);
            if (!exited || single.exitValue() != 0 || output.contains("ERROR:")) {
                single.destroyForcibly();
                // the output repeats a failed statement, and with it the verifier: say only that it failed
                throw new IOException("setting the catalog password in single-user mode failed ("
                        + (exited ? "exit " + single.exitValue() : "no exit within 120 s") + ")");
            }
            Durable.write(dataDir.resolve("pg_hba.conf"), HBA.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("the embedded PostgreSQL in " + dataDir + " could not be secured: "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while securing the embedded PostgreSQL", e);
        }
    }

    /**
     * The postgres program zonky has just unpacked into our private folder ({@code PG-<digest>/bin}); the
     * newest one when a former version of the bundled binaries is still there.
     */
    private static Path postgresBinary(Path binaries) throws IOException {
        try (Stream<Path> unpacked = Files.list(binaries)) {
            return unpacked.map(dir -> dir.resolve("bin").resolve("postgres"))
                    .filter(Files::isExecutable)
                    .max(Comparator.comparing(EmbeddedCatalog::modified))
                    .orElseThrow(() -> new IOException("no PostgreSQL binaries in " + binaries));
        }
    }

    private static FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file.getParent().getParent().resolve(".exists"));
        } catch (IOException unknown) {
            return FileTime.fromMillis(0);
        }
    }

    /** Names the user but holds no password; see {@link #password()}. */
    public String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", DATABASE);
    }

    public String password() {
        return password;
    }

    /**
     * A server killed with {@code kill -9} leaves its PostgreSQL running on the data directory; a new
     * one could not start there. The old postmaster's pid is in {@code postmaster.pid}: ask it to shut
     * down (SIGTERM is PostgreSQL's smart shutdown, quick once its client is gone) and wait for it.
     */
    static void stopOrphanedPostmaster(Path dataDir) throws IOException {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile);
        Optional<ProcessHandle> postmaster = lines.isEmpty()
                ? Optional.empty()
                : ProcessHandle.of(Long.parseLong(lines.get(0).trim()));
        if (postmaster.isEmpty()
                || !postmaster.get().isAlive()
                || !postmaster.get().info().command().map(c -> c.endsWith("postgres")).orElse(false)) {
            return;
        }
        LOG.warnf("stopping PostgreSQL (pid %d) left running on %s by a server that did not shut down",
                postmaster.get().pid(), dataDir);
        postmaster.get().destroy();
        try {
            postmaster.get().onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception stillRunning) {
            postmaster.get().destroyForcibly();
        }
    }

    /** Stops PostgreSQL cleanly; only the first call does anything. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            postgres.close();
            LOG.info("embedded PostgreSQL stopped");
        } catch (IOException e) {
            LOG.warn("embedded PostgreSQL did not stop cleanly", e);
        }
    }
}
