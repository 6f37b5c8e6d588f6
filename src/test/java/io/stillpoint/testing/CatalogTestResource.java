package io.stillpoint.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.restassured.RestAssured;
import io.stillpoint.fs.Durable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Map;

/**
 * Gives the {@code @QuarkusTest}s a fresh {@link TestDatabase}, a fresh {@code stillpoint.home}, and
 * the first admin's password, which every REST call of the tests presents unless it says otherwise.
 */
public class CatalogTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String ADMIN_PASSWORD = "test-admin-password-1";

    private Path home;
    private TestDatabase database;

    @Override
    public Map<String, String> start() {
        try {
            home = Files.createTempDirectory("stillpoint-test-");
            database = TestDatabase.create(home.resolve("pg"));
            RestAssured.authentication = RestAssured.preemptive().basic("admin", ADMIN_PASSWORD);
            return Map.of(
                    "stillpoint.admin.password", ADMIN_PASSWORD,
                    "quarkus.datasource.jdbc.url", database.url(),
                    "quarkus.datasource.username", database.user(),
                    "stillpoint.home", home.toString(),
                    "stillpoint.restore.roots", home.resolve("restores").toString(),
                    // short and low, so that the throttling tests are quick and wait out their window
                    "stillpoint.sign-in.window", "PT4S",
                    "stillpoint.sign-in.max-failures-per-user", "3",
                    "stillpoint.sign-in.max-failures-per-address", "10");
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
