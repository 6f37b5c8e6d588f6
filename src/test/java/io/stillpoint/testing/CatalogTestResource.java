package io.stillpoint.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.stillpoint.fs.Durable;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;

/**
 * Gives the tests a fresh, real PostgreSQL catalog: a new database on the server named by {@code
 * STILLPOINT_TEST_JDBC_URL} (how {@code .ci/run} points the tests at the machine's PostgreSQL), or else
 * an embedded PostgreSQL, so the README's test command passes on any machine. Also a fresh {@code
 * stillpoint.home}.
 */
public class CatalogTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String ADMIN_URL_VARIABLE = "STILLPOINT_TEST_JDBC_URL";

    private Path home;
    private EmbeddedPostgres embedded;
    private String adminUrl;
    private String database;

    @Override
    public Map<String, String> start() {
        try {
            home = Files.createTempDirectory("stillpoint-test-");
            String url;
            String user;
            adminUrl = System.getenv(ADMIN_URL_VARIABLE);
            if (adminUrl != null && !adminUrl.isBlank()) {
                user = System.getenv().getOrDefault("STILLPOINT_TEST_JDBC_USER", "postgres");
                database = "stillpoint_test_" + UUID.randomUUID().toString().replace("-", "");
                execute("CREATE DATABASE " + database, user);
                url = withDatabase(adminUrl, database);
            } else {
                embedded = EmbeddedPostgres.builder().setDataDirectory(home.resolve("pg")).start();
                user = "postgres";
                url = embedded.getJdbcUrl("postgres", "postgres");
            }
            return Map.of(
                    "quarkus.datasource.jdbc.url", url,
                    "quarkus.datasource.username", user,
                    "stillpoint.home", home.toString(),
                    "stillpoint.restore.roots", home.resolve("restores").toString());
        } catch (IOException | SQLException e) {
            throw new IllegalStateException("no PostgreSQL for the tests: " + e.getMessage(), e);
        }
    }

    @Override
    public void stop() {
        try {
            if (database != null) {
                execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)",
                        System.getenv().getOrDefault("STILLPOINT_TEST_JDBC_USER", "postgres"));
            }
            if (embedded != null) {
                embedded.close();
            }
            Durable.deleteTree(home);
        } catch (IOException | SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private void execute(String sql, String user) throws SQLException {
        try (Connection connection = DriverManager.getConnection(adminUrl, user, System.getenv("STILLPOINT_TEST_JDBC_PASSWORD"));
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
