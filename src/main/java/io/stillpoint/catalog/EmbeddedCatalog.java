package io.stillpoint.catalog;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * The PostgreSQL Stillpoint starts for itself when no external one is configured: real PostgreSQL
 * binaries (from Maven Central) running on a data directory under {@code $STILLPOINT_HOME/pg} that is
 * kept across restarts.
 */
public final class EmbeddedCatalog implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EmbeddedCatalog.class);
    private static final String DATABASE = "stillpoint";

    private static final AtomicReference<EmbeddedCatalog> RUNNING = new AtomicReference<>();

    private final EmbeddedPostgres postgres;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedCatalog(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /** The catalog this process started, if it started one. */
    public static Optional<EmbeddedCatalog> running() {
        return Optional.ofNullable(RUNNING.get());
    }

    /** Starts PostgreSQL on {@code dataDir}, creating the cluster and the catalog database on first use. */
    public static EmbeddedCatalog start(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        stopOrphanedPostmaster(dataDir);
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                // the application closes the catalog after Quarkus has stopped using it
                .setRegisterShutdownHook(false)
                .setPGStartupWait(Duration.ofSeconds(60))
                .start();
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
        LOG.infof("embedded PostgreSQL running on port %d with data in %s", postgres.getPort(), dataDir);
        EmbeddedCatalog catalog = new EmbeddedCatalog(postgres);
        RUNNING.set(catalog);
        return catalog;
    }

    public String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", DATABASE);
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
