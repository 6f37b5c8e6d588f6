package io.stillpoint.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.stillpoint.testing.CatalogTestResource;
import io.stillpoint.testing.SessionCookies;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * Sign-in and sessions: the session key is kept private, logout and a password change end sessions,
 * failed sign-ins are throttled and audited, the last admin survives concurrent changes, bcrypt's
 * 72-byte limit is enforced, and answers carry the browser hardening headers. The test profile sets
 * the throttling window to 4 s with 3 failures per user and 10 per address.
 */
@QuarkusTest
class SignInTest {

    private static final String PASSWORD = "a-long-enough-password";
    private static final String ADMIN = CatalogTestResource.ADMIN_PASSWORD;

    @Test
    void theSessionKeyIsKeptInTheHomeOnlyForUsAndACookieSealedWithAnotherKeyIsRefused() throws Exception {
        Path keyFile = Path.of(ConfigProvider.getConfig().getValue("stillpoint.home", String.class)).resolve("session.key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
        String user = createUser("viewer");
        signIn(user, PASSWORD);
        Duration timeout = ConfigProvider.getConfig().getValue("quarkus.http.auth.form.timeout", Duration.class);

        String sealedWithOurKey = SessionCookies.forge(Files.readString(keyFile).trim(), user, timeout);
        me(sealedWithOurKey).then().statusCode(200).body("username", equalTo(user));
        String sealedWithAnotherKey = SessionCookies.forge(SessionCookies.anotherKey(), user, timeout);
        me(sealedWithAnotherKey).then().statusCode(401);
    }

    @Test
    void logoutEndsEverySessionOfTheUser() {
        String user = createUser("operator");
        String session = signIn(user, PASSWORD);
        String otherBrowser = signIn(user, PASSWORD);
        Response me = me(session);
        me.then().statusCode(200);
        String token = me.getCookie(CsrfCheck.TOKEN_COOKIE);

        given().auth().none().cookie(CsrfCheck.SESSION_COOKIE, session).cookie(CsrfCheck.TOKEN_COOKIE, token)
                .header(CsrfCheck.TOKEN_HEADER, token).post("/api/session/logout").then().statusCode(204);

        me(session).then().statusCode(401);
        me(otherBrowser).then().statusCode(401);
        me(signIn(user, PASSWORD)).then().statusCode(200);
        me(session).then().statusCode(401);
    }

    @Test
    void aPasswordChangeEndsTheUsersSessions() {
        String user = createUser("viewer");
        String session = signIn(user, PASSWORD);
        me(session).then().statusCode(200);

        given().contentType(ContentType.JSON).body(Map.of("password", PASSWORD + "-new"))
                .put("/api/users/{u}", user).then().statusCode(200);

        me(session).then().statusCode(401);
        me(signIn(user, PASSWORD + "-new")).then().statusCode(200);
    }

    @Test
    void passwordsLongerThanBcryptReadsAreRefused() {
        String seventyThreeBytes = "é".repeat(36) + "x";
        String name = "long-" + UUID.randomUUID().toString().substring(0, 8);
        given().contentType(ContentType.JSON).body(Map.of("username", name, "password", seventyThreeBytes, "role", "viewer"))
                .post("/api/users").then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("password")).body("detail", containsString("72 bytes"));
        assertThat(given().get("/api/users").then().statusCode(200).extract().jsonPath().getList("username", String.class))
                .doesNotContain(name);

        String seventyTwoBytes = "p".repeat(72);
        given().contentType(ContentType.JSON).body(Map.of("username", name, "password", seventyTwoBytes, "role", "viewer"))
                .post("/api/users").then().statusCode(201);
        given().contentType(ContentType.JSON).body(Map.of("password", seventyThreeBytes))
                .put("/api/users/{u}", name).then().statusCode(400).body("errors[0].field", equalTo("password"));
        basic(name, seventyTwoBytes).get("/api/me").then().statusCode(200);
        basic(name, seventyTwoBytes + "and-more-that-bcrypt-would-ignore").get("/api/me").then().statusCode(401);
    }

    @Test
    void theLastAdminSurvivesConcurrentDemotionsAndDeletions() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int r = 0; r < 6; r++) {
                String second = createUser("admin");
                boolean deleting = r % 2 == 1;
                CyclicBarrier start = new CyclicBarrier(2);
                Future<Integer> onAdmin = pool.submit(changeAtOnce(start, second, "admin", deleting));
                Future<Integer> onSecond = pool.submit(changeAtOnce(start, "admin", second, deleting));
                int success = deleting ? 204 : 200;
                int onAdminAnswer = onAdmin.get();
                int onSecondAnswer = onSecond.get();

                // One change wins; the other is refused as the last admin's, or, when its actor lost
                // the role just before, by the role check (403), or was deleted, at sign-in (401).
                String round = "round " + r + (deleting ? " (delete): " : " (demote): ") + onAdminAnswer + ", " + onSecondAnswer;
                assertThat(List.of(onAdminAnswer, onSecondAnswer)).as(round).containsOnlyOnce(success);
                assertThat(onAdminAnswer == success ? onSecondAnswer : onAdminAnswer).as(round)
                        .isIn(deleting ? List.of(409, 401) : List.of(409, 403));
                String survivor = onAdminAnswer == success ? second : "admin";
                String survivorPassword = survivor.equals("admin") ? ADMIN : PASSWORD;
                assertThat(basic(survivor, survivorPassword).get("/api/users").then().statusCode(200).extract()
                        .jsonPath().getList("findAll { it.role == 'admin' }.username")).containsExactly(survivor);
                restoreAdmin(survivor, survivorPassword, deleting);
                if (!(deleting && survivor.equals("admin"))) {
                    given().delete("/api/users/{u}", second).then().statusCode(204);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void failedSignInsOfOneUserAreAuditedAndThenThrottledForThatUserOnly() {
        String user = createUser("viewer");
        String bystander = createUser("viewer");
        for (int i = 0; i < 3; i++) {
            basic(user, "wrong-password-" + i).get("/api/me").then().statusCode(401);
        }

        Response refused = basic(user, PASSWORD).get("/api/me");
        refused.then().statusCode(429).contentType("application/problem+json")
                .body("status", equalTo(429)).body("detail", containsString(user));
        assertThat(Long.parseLong(refused.getHeader("Retry-After"))).isBetween(1L, 4L);
        given().auth().none().contentType(ContentType.URLENC).formParam("j_username", user)
                .formParam("j_password", PASSWORD).post("/j_security_check").then().statusCode(429)
                .header("Retry-After", notNullValue());
        basic(bystander, PASSWORD).get("/api/me").then().statusCode(200);

        List<Map<String, Object>> events = given().get("/api/audit?limit=200").then().statusCode(200)
                .extract().jsonPath().getList("$");
        assertThat(events.stream().filter(e -> user.equals(e.get("username")) && "SIGN-IN basic".equals(e.get("action"))
                && Integer.valueOf(401).equals(e.get("status")) && "127.0.0.1".equals(e.get("address")))).hasSize(3);
        assertThat(events).anyMatch(e -> user.equals(e.get("username")) && "SIGN-IN basic".equals(e.get("action"))
                && Integer.valueOf(429).equals(e.get("status")));
        assertThat(events).anyMatch(e -> user.equals(e.get("username")) && "SIGN-IN form".equals(e.get("action"))
                && Integer.valueOf(429).equals(e.get("status")) && "/j_security_check".equals(e.get("target")));

        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                .until(() -> basic(user, PASSWORD).get("/api/me").statusCode() == 200);
    }

    @Test
    void anAdminSeesAndLiftsTheLockOfAUserNameOrAnAddress() throws Exception {
        String user = createUser("viewer");
        for (int i = 0; i < 3; i++) {
            basic(user, "wrong-password-" + i).get("/api/me").then().statusCode(401);
        }
        basic(user, PASSWORD).get("/api/me").then().statusCode(429);
        String other = "nobody-" + UUID.randomUUID();
        for (int i = 0; i < 10; i++) {
            SessionCookies.basicFrom("127.0.0.3", RestAssured.port, "/api/me", other + i, "wrong-password");
        }
        assertThat(SessionCookies.basicFrom("127.0.0.3", RestAssured.port, "/api/me", user, PASSWORD)).isEqualTo(429);

        List<Map<String, Object>> locks = given().get("/api/sign-in/locks").then().statusCode(200).extract().jsonPath().getList("$");
        assertThat(locks).anyMatch(l -> "user".equals(l.get("kind")) && user.equals(l.get("name"))
                && Integer.valueOf(3).equals(l.get("failures")) && l.get("until") != null);
        assertThat(locks).anyMatch(l -> "address".equals(l.get("kind")) && "127.0.0.3".equals(l.get("name"))
                && l.get("until") != null);
        basic(user, PASSWORD).get("/api/sign-in/locks").then().statusCode(429);

        given().delete("/api/sign-in/locks/users/{u}", user).then().statusCode(204);
        basic(user, PASSWORD).get("/api/me").then().statusCode(200);
        assertThat(SessionCookies.basicFrom("127.0.0.3", RestAssured.port, "/api/me", user, PASSWORD)).isEqualTo(429);
        given().delete("/api/sign-in/locks/addresses/127.0.0.3").then().statusCode(204);
        assertThat(SessionCookies.basicFrom("127.0.0.3", RestAssured.port, "/api/me", user, PASSWORD)).isEqualTo(200);
        given().delete("/api/sign-in/locks/users/{u}", user).then().statusCode(404).contentType("application/problem+json");

        List<Map<String, Object>> events = given().get("/api/audit?limit=100").then().statusCode(200)
                .extract().jsonPath().getList("$");
        assertThat(events).anyMatch(e -> "admin".equals(e.get("username"))
                && ("/api/sign-in/locks/users/" + user).equals(e.get("target")) && Integer.valueOf(204).equals(e.get("status")));
    }

    @Test
    void guessesSentInParallelGetNoMoreThanTwiceTheLimit() throws Exception {
        String user = createUser("viewer");
        int guesses = 12;
        ExecutorService pool = Executors.newFixedThreadPool(guesses);
        try {
            CyclicBarrier start = new CyclicBarrier(guesses);
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < guesses; i++) {
                String guess = "wrong-password-" + i;
                answers.add(pool.submit(() -> {
                    start.await();
                    return basic(user, guess).get("/api/me").statusCode();
                }));
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> answer : answers) {
                statuses.add(answer.get());
            }
            assertThat(statuses).containsOnly(401, 429);
            assertThat(statuses.stream().filter(s -> s == 401)).as("%s", statuses).hasSizeLessThanOrEqualTo(6);
        } finally {
            pool.shutdownNow();
        }
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                .until(() -> basic(user, PASSWORD).get("/api/me").statusCode() == 200);
    }

    @Test
    void failedSignInsFromOneAddressAreThrottledForEveryUserAtThatAddressOnly() throws Exception {
        String user = createUser("viewer");
        for (int i = 0; i < 10; i++) {
            assertThat(SessionCookies.basicFrom("127.0.0.2", RestAssured.port, "/api/me",
                    "nobody-" + UUID.randomUUID(), "wrong-password")).isEqualTo(401);
        }

        assertThat(SessionCookies.basicFrom("127.0.0.2", RestAssured.port, "/api/me", user, PASSWORD)).isEqualTo(429);
        basic(user, PASSWORD).get("/api/me").then().statusCode(200);

        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250)).until(() ->
                SessionCookies.basicFrom("127.0.0.2", RestAssured.port, "/api/me", user, PASSWORD) == 200);
    }

    @Test
    void answersCarryTheBrowserHardeningHeaders() {
        Response me = given().get("/api/me");
        me.then().statusCode(200)
                .header("X-Frame-Options", "DENY")
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer");
        assertThat(me.getHeader("Content-Security-Policy")).contains("default-src 'self'", "script-src 'self'",
                "frame-ancestors 'none'").doesNotContain("unsafe");
        for (String index : List.of("/", "/index.html")) {
            assertThat(given().auth().none().get(index).getHeader("Cache-Control")).as(index).isEqualTo("no-cache");
        }
        Response swagger = given().auth().none().get("/q/openapi");
        swagger.then().header("X-Frame-Options", "DENY");
        assertThat(swagger.getHeader("Content-Security-Policy")).isNull();
    }

    @Test
    void randomPathsDoNotCrowdRealRoutesOutOfTheMetrics() {
        given().get("/api/writers").then().statusCode(200);
        Set<String> before = metricUris();
        for (int i = 0; i < 150; i++) {
            given().auth().none().get("/api/probe-" + UUID.randomUUID()).then().statusCode(401);
        }
        for (int i = 0; i < 30; i++) {
            given().get("/api/probe-" + UUID.randomUUID()).then().statusCode(404);
        }
        given().get("/api/writers").then().statusCode(200);

        Set<String> after = metricUris();
        assertThat(after).contains("/api/writers").noneMatch(u -> u.contains("probe-"));
        Set<String> added = new HashSet<>(after);
        added.removeAll(before);
        // 180 distinct unknown paths may add at most the two catch-all labels, never one label each.
        assertThat(added).isSubsetOf("NOT_FOUND", "UNKNOWN");
    }

    @Test
    void everyRouteFitsUnderTheMetricsUriLimit() {
        int routes = given().auth().none().accept(ContentType.JSON).get("/q/openapi?format=json").then().statusCode(200)
                .extract().jsonPath().getMap("paths").size();
        int limit = ConfigProvider.getConfig().getValue("quarkus.micrometer.binder.http-server.max-uri-tags", Integer.class);
        // Twice the routes leaves room for the console's pages, the catch-all labels and routes still to come.
        assertThat(limit).isGreaterThanOrEqualTo(2 * routes);
    }

    private static Set<String> metricUris() {
        String metrics = given().auth().none().get("/q/metrics").then().statusCode(200).extract().asString();
        Set<String> uris = new HashSet<>();
        Matcher uri = Pattern.compile("http_server_requests_seconds_count\\{[^}]*uri=\"([^\"]*)\"").matcher(metrics);
        while (uri.find()) {
            uris.add(uri.group(1));
        }
        return uris;
    }

    private static Callable<Integer> changeAtOnce(CyclicBarrier start, String actor, String target, boolean delete) {
        String actorPassword = actor.equals("admin") ? ADMIN : PASSWORD;
        return () -> {
            start.await();
            var request = basic(actor, actorPassword).contentType(ContentType.JSON);
            return delete ? request.delete("/api/users/{u}", target).statusCode()
                    : request.body(Map.of("role", "viewer")).put("/api/users/{u}", target).statusCode();
        };
    }

    /** Puts {@code admin} back as the tests' admin, with its password, whatever the round did to it. */
    private static void restoreAdmin(String survivor, String survivorPassword, boolean deleted) {
        if (survivor.equals("admin")) {
            return;
        }
        var asSurvivor = basic(survivor, survivorPassword).contentType(ContentType.JSON);
        if (deleted) {
            asSurvivor.body(Map.of("username", "admin", "password", ADMIN, "role", "admin")).post("/api/users")
                    .then().statusCode(201);
        } else {
            asSurvivor.body(Map.of("role", "admin")).put("/api/users/admin").then().statusCode(200);
        }
    }

    private static RequestSpecification basic(String user, String password) {
        return given().auth().preemptive().basic(user, password);
    }

    private static Response me(String session) {
        return given().auth().none().cookie(CsrfCheck.SESSION_COOKIE, session).get("/api/me");
    }

    /** A console sign-in; returns the session cookie. */
    private static String signIn(String user, String password) {
        Response login = given().auth().none().contentType(ContentType.URLENC).formParam("j_username", user)
                .formParam("j_password", password).post("/j_security_check");
        assertThat(login.statusCode()).isEqualTo(200);
        return login.getCookie(CsrfCheck.SESSION_COOKIE);
    }

    private static String createUser(String role) {
        String name = role + "-" + UUID.randomUUID().toString().substring(0, 8);
        given().contentType(ContentType.JSON).body(Map.of("username", name, "password", PASSWORD, "role", role))
                .post("/api/users").then().statusCode(201);
        return name;
    }
}
