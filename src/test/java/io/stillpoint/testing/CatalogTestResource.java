package io.stillpoint.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.stillpoint.fs.Durable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Map;

/** Gives the {@code @QuarkusTest}s a fresh {@link TestDatabase} and a fresh {@code stillpoint.home}. */
public class CatalogTestResource implements QuarkusTestResourceLifecycleManager {

    private Path home;
    private TestDatabase database;

    @Override
    public Map<String, String> start() {
        try {
            home = Files.createTempDirectory("stillpoint-test-");
            database = TestDatabase.create(home.resolve("pg"));
            return Map.of(
                    "quarkus.datasource.jdbc.url", database.url(),
                    "quarkus.datasource.username", database.user(),
                    "stillpoint.home", home.toString(),
                    "stillpoint.restore.roots", home.resolve("restores").toString());
        } catch (IOException | SQLException e) {
            throw new IllegalStateException("no PostgreSQL for the tests: " + e.getMessage(), e);
        }
    }

    @Override
    public void stop() {
        try {
            database.close();
            Durable.deleteTree(home);
        } catch (IOException | SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
