package io.stillpoint.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.restassured.RestAssured;
import io.stillpoint.security.ServerCertificate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Map;

/**
 * Gives the {@code @QuarkusTest}s a fresh {@link TestDatabase}, a fresh {@code stillpoint.home}, and
 * the first admin's password, which every REST call of the tests presents unless it says otherwise.
 * The server allows the Hyper-V stand-ins of a world at {@link #HYPERV_WORLD} under the home as
 * executables a host may name, and refreshes hosts only when a test asks, so that no refresh runs
 * beside a test's own calls. Alerts are grouped, retried and given up within seconds.
 */
public class CatalogTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String ADMIN_PASSWORD = "test-admin-password-1";
    /** Where under {@code stillpoint.home} the Hyper-V tests keep their stand-in world. */
    public static final String HYPERV_WORLD = "hyperv-world";

    private Path home;
    private TestDatabase database;

    @Override
    public Map<String, String> start() {
        try {
            home = Files.createTempDirectory("stillpoint-test-");
            database = TestDatabase.create(home.resolve("pg"));
            // as StillpointMain does before Quarkus starts: the tests' server speaks HTTPS too
            ServerCertificate.readOrCreate(home.resolve("tls"));
            RestAssured.authentication = RestAssured.preemptive().basic("admin", ADMIN_PASSWORD);
            // REST Assured makes a client per request and leaves its idle connection open at both ends until
            // garbage collection: two descriptors per request, hundreds in the one JVM all Quarkus tests share,
            // which with its jars open twice (~810) crossed 1024, where libguestfs's select() aborts the JVM.
            // (Its closeIdleConnectionsAfterEachResponse cuts streamed bodies before they are read.)
            // A filter, not a request specification: a specification built now would pin the port Quarkus has
            // not chosen yet.
            RestAssured.filters((request, response, next) -> next.next(request.replaceHeader("Connection", "close"),
                    response));
            Path standIns = home.resolve(HYPERV_WORLD).resolve("bin");
            return Map.ofEntries(
                    Map.entry("stillpoint.admin.password", ADMIN_PASSWORD),
                    Map.entry("quarkus.datasource.jdbc.url", database.url()),
                    Map.entry("quarkus.datasource.username", database.user()),
                    Map.entry("stillpoint.home", home.toString()),
                    Map.entry("stillpoint.restore.roots", home.resolve("restores").toString()),
                    // short and low, so that the throttling tests are quick and wait out their window
                    Map.entry("stillpoint.sign-in.window", "PT4S"),
                    Map.entry("stillpoint.sign-in.max-failures-per-user", "3"),
                    Map.entry("stillpoint.sign-in.max-failures-per-address", "10"),
                    // no delay between failures, so that tests reach the lock without waiting (the delay's
                    // arithmetic is SignInHoldBackTest's)
                    Map.entry("stillpoint.sign-in.first-delay", "PT0S"),

                    Map.entry("stillpoint.hyperv.allowed-executables", standIns.resolve("powershell") + ","
                            + standIns.resolve("diskshadow")),
                    Map.entry("stillpoint.inventory.refresh-interval", "PT0S"),
                    // alerts grouped, retried and given up within seconds, so that the tests see all of it
                    Map.entry("stillpoint.notifications.console-url", "https://backup.example.org:8443/"),
                    Map.entry("stillpoint.notifications.group-window", "PT1S"),
                    Map.entry("stillpoint.notifications.group-max-wait", "PT5S"),
                    Map.entry("stillpoint.notifications.poll-interval", "PT0.1S"),
                    Map.entry("stillpoint.notifications.send-timeout", "PT5S"),
                    Map.entry("stillpoint.notifications.retry.initial-delay", "PT0.3S"),
                    Map.entry("stillpoint.notifications.retry.max-delay", "PT2S"),
                    Map.entry("stillpoint.notifications.retry.give-up-after", "PT4S"),
                    Map.entry("stillpoint.notifications.check-interval", "PT1S"),
                    Map.entry("stillpoint.notifications.unprotected-grace", "PT1S"));
        } catch (IOException | SQLException e) {
            throw new IllegalStateException("no PostgreSQL for the tests: " + e.getMessage(), e);
        }
    }

    @Override
    public void stop() {
        try {
            database.close();
            TestFiles.deleteTree(home);
        } catch (IOException | SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
