package io.stillpoint.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A fresh, real PostgreSQL database for a test: a new database on the server named by {@code
 * STILLPOINT_TEST_JDBC_URL} (how {@code .ci/run} points the tests at the machine's PostgreSQL), dropped
 * when closed, or else an embedded PostgreSQL, so the README's test command passes on any machine.
 */
public final class TestDatabase implements AutoCloseable {

    public static final String ADMIN_URL_VARIABLE = "STILLPOINT_TEST_JDBC_URL";

    private final String adminUrl;
    private final String user;
    private final String database;
    private final EmbeddedPostgres embedded;
    private final String url;

    private TestDatabase(String adminUrl, String user, String database, EmbeddedPostgres embedded, String url) {
        this.adminUrl = adminUrl;
        this.user = user;
        this.database = database;
        this.embedded = embedded;
        this.url = url;
    }

    /** @param scratch where an embedded PostgreSQL keeps its data, if one is needed */
    public static TestDatabase create(Path scratch) throws IOException, SQLException {
        String adminUrl = System.getenv(ADMIN_URL_VARIABLE);
        if (adminUrl != null && !adminUrl.isBlank()) {
            String user = System.getenv().getOrDefault("STILLPOINT_TEST_JDBC_USER", "postgres");
            String database = "stillpoint_test_" + UUID.randomUUID().toString().replace("-", "");
            execute(adminUrl, user, "CREATE DATABASE " + database);
            return new TestDatabase(adminUrl, user, database, null, withDatabase(adminUrl, database));
        }
        EmbeddedPostgres embedded = EmbeddedPostgres.builder().setDataDirectory(scratch).start();
        return new TestDatabase(null, "postgres", null, embedded, embedded.getJdbcUrl("postgres", "postgres"));
    }

    public String url() {
        return url;
    }

    public String user() {
        return user;
    }

    @Override
    public void close() throws IOException, SQLException {
        if (database != null) {
            execute(adminUrl, user, "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
        if (embedded != null) {
            embedded.close();
        }
    }

    private static void execute(String url, String user, String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url, user, System.getenv("STILLPOINT_TEST_JDBC_PASSWORD"));
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    static String withDatabase(String url, String database) {
        int query = url.indexOf('?');
        String base = query < 0 ? url : url.substring(0, query);
        String rest = query < 0 ? "" : url.substring(query);
        return base.substring(0, base.lastIndexOf('/') + 1) + database + rest;
    }
}
