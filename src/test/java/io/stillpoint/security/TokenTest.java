package io.stillpoint.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * API tokens: a bearer token signs in as its user with its own role, is refused once wrong, expired,
 * revoked or its user is gone, never gets more than its user's (or its maker's) role, appears in the
 * audit log as {@code user (token name)}, and its secret is in no list answer and no log.
 */
@QuarkusTest
class TokenTest {

    private static final String PASSWORD = "a-long-enough-password";

    @Test
    void aBearerTokenSignsInAsItsUserWithItsOwnRoleAndItsLastUseIsRecordedOncePerMinute() {
        Map<String, Object> made = create(given(), "reports-" + suffix(), "viewer", null);
        String secret = (String) made.get("secret");
        assertThat(secret).startsWith("stp_").hasSize(47);
        assertThat(made).containsEntry("username", "admin").containsEntry("role", "viewer");

        bearer(secret).get("/api/me").then().statusCode(200).body("username", equalTo("admin")).body("role", equalTo("viewer"));
        bearer(secret).contentType(ContentType.JSON).body("{}").post("/api/hosts").then().statusCode(403);

        Map<String, Object> listed = listed(given(), (String) made.get("id"));
        assertThat(listed).containsKeys("createdAt", "expiresAt", "lastUsedAt").doesNotContainKey("secret");
        assertThat(listed.get("lastUsedAt")).isNotNull();
        bearer(secret).get("/api/me").then().statusCode(200);
        assertThat(listed(given(), (String) made.get("id")).get("lastUsedAt")).isEqualTo(listed.get("lastUsedAt"));
        String answers = given().get("/api/tokens").asString() + given().get("/api/tokens?all=true").asString();
        assertThat(answers).doesNotContain(secret).doesNotContain(ApiToken.hash(secret));
    }

    @Test
    void wrongExpiredRevokedAndOrphanedTokensAreRefused() {
        bearer(ApiToken.newSecret()).get("/api/me").then().statusCode(401);
        bearer("not-a-token").get("/api/me").then().statusCode(401);

        Map<String, Object> expiring = create(given(), "expiring-" + suffix(), "viewer", Instant.now().plusSeconds(3600));
        String expiringSecret = (String) expiring.get("secret");
        bearer(expiringSecret).get("/api/me").then().statusCode(200);
        UUID expiringId = UUID.fromString((String) expiring.get("id"));
        QuarkusTransaction.requiringNew().run(() -> ApiToken.update("expiresAt = ?1 where id = ?2",
                Instant.now().minusSeconds(1), expiringId));
        bearer(expiringSecret).get("/api/me").then().statusCode(401);

        Map<String, Object> revoked = create(given(), "revoked-" + suffix(), "admin", null);
        bearer((String) revoked.get("secret")).get("/api/me").then().statusCode(200);
        given().delete("/api/tokens/{id}", revoked.get("id")).then().statusCode(204);
        bearer((String) revoked.get("secret")).get("/api/me").then().statusCode(401);

        String user = createUser("operator");
        String orphan = (String) create(basic(user), "orphan", "operator", null).get("secret");
        bearer(orphan).get("/api/me").then().statusCode(200);
        given().delete("/api/users/{u}", user).then().statusCode(204);
        bearer(orphan).get("/api/me").then().statusCode(401);
    }

    @Test
    void aTokenNeverHasMoreThanItsUsersOrItsMakersRole() {
        String user = createUser("operator");
        basic(user).contentType(ContentType.JSON).body(Map.of("name", "too-high", "role", "admin")).post("/api/tokens")
                .then().statusCode(400).contentType("application/problem+json").body("errors[0].field", equalTo("role"));
        String operatorToken = (String) create(basic(user), "ops", "operator", null).get("secret");

        String viewerToken = (String) create(given(), "viewer-of-admin-" + suffix(), "viewer", null).get("secret");
        bearer(viewerToken).contentType(ContentType.JSON).body(Map.of("name", "escalate", "role", "operator"))
                .post("/api/tokens").then().statusCode(400).body("errors[0].field", equalTo("role"))
                .body("detail", containsString("viewer"));
        assertThat(given().get("/api/tokens").then().extract().jsonPath().getList("name", String.class))
                .doesNotContain("escalate");

        given().contentType(ContentType.JSON).body(Map.of("role", "viewer")).put("/api/users/{u}", user).then().statusCode(200);
        bearer(operatorToken).get("/api/me").then().statusCode(200).body("role", equalTo("viewer"));
        bearer(operatorToken).post("/api/jobs/{id}/run", UUID.randomUUID()).then().statusCode(403);
    }

    @Test
    void usersSeeAndRevokeTheirOwnTokensAndAdminsEveryones() {
        String alice = createUser("operator");
        String bob = createUser("viewer");
        String aliceToken = (String) create(basic(alice), "backup-script", "viewer", null).get("id");
        String bobToken = (String) create(basic(bob), "monitoring", "viewer", null).get("id");

        assertThat(basic(bob).get("/api/tokens").then().statusCode(200).extract().jsonPath().getList("id", String.class))
                .containsExactly(bobToken);
        basic(bob).get("/api/tokens?all=true").then().statusCode(403);
        basic(bob).delete("/api/tokens/{id}", aliceToken).then().statusCode(404);
        assertThat(given().get("/api/tokens?all=true").then().statusCode(200).extract().jsonPath().getList("id", String.class))
                .contains(aliceToken, bobToken);

        given().delete("/api/tokens/{id}", aliceToken).then().statusCode(204);
        assertThat(basic(alice).get("/api/tokens").then().extract().jsonPath().getList("id")).isEmpty();
        basic(bob).delete("/api/tokens/{id}", bobToken).then().statusCode(204);
    }

    @Test
    void badRequestsNameTheirFieldAndChangeNothing() {
        int before = given().get("/api/tokens").then().extract().jsonPath().getList("$").size();
        given().contentType(ContentType.JSON).body(Map.of("role", "viewer")).post("/api/tokens").then().statusCode(400)
                .body("errors[0].field", equalTo("name"));
        given().contentType(ContentType.JSON).body(Map.of("name", "x", "role", "root")).post("/api/tokens").then()
                .statusCode(400).body("errors[0].field", equalTo("role"));
        given().contentType(ContentType.JSON).body(Map.of("name", "x", "role", "viewer", "expiresAt", "2001-01-01T00:00:00Z"))
                .post("/api/tokens").then().statusCode(400).body("errors[0].field", equalTo("expiresAt"));
        given().contentType(ContentType.JSON).body(Map.of("name", "x", "role", "viewer", "expiresAt", "tomorrow"))
                .post("/api/tokens").then().statusCode(400).body("errors[0].field", equalTo("expiresAt"));
        String name = "twice-" + suffix();
        create(given(), name, "viewer", null);
        given().contentType(ContentType.JSON).body(Map.of("name", name, "role", "viewer")).post("/api/tokens").then()
                .statusCode(400).body("errors[0].field", equalTo("name"));
        assertThat(given().get("/api/tokens").then().extract().jsonPath().getList("$")).hasSize(before + 1);
    }

    @Test
    void callsMadeWithATokenAreAuditedAsUserAndTokenNameAndTheSecretIsNeverLogged() {
        List<String> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(record.getMessage() + " " + java.util.Arrays.toString(record.getParameters())
                        + " " + record.getThrown());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        capture.setLevel(Level.ALL);
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        String secret;
        String name = "ci-" + suffix();
        try {
            secret = (String) create(given(), name, "operator", null).get("secret");
            bearer(secret).contentType(ContentType.JSON).body(Map.of("name", name + "-child", "role", "viewer"))
                    .post("/api/tokens").then().statusCode(201);
            bearer(secret + "x").get("/api/me").then().statusCode(401);
            bearer(secret.substring(0, 46) + (secret.endsWith("A") ? "B" : "A")).get("/api/me").then().statusCode(401);
        } finally {
            root.removeHandler(capture);
        }
        assertThat(String.join("\n", logged)).doesNotContain(secret.substring(4));

        List<Map<String, Object>> events = given().get("/api/audit?limit=100").then().statusCode(200).extract().jsonPath()
                .getList("$");
        assertThat(events).anyMatch(e -> ("admin (" + name + ")").equals(e.get("username"))
                && "POST /api/tokens".equals(e.get("action")) && Integer.valueOf(201).equals(e.get("status")));
    }

    private static Map<String, Object> create(RequestSpecification as, String name, String role, Instant expiresAt) {
        Map<String, Object> body = new HashMap<>(Map.of("name", name, "role", role));
        if (expiresAt != null) {
            body.put("expiresAt", expiresAt.toString());
        }
        return as.contentType(ContentType.JSON).body(body).post("/api/tokens").then().statusCode(201)
                .extract().jsonPath().getMap("$");
    }

    private static Map<String, Object> listed(RequestSpecification as, String id) {
        Response list = as.get("/api/tokens");
        list.then().statusCode(200);
        return list.jsonPath().getMap("find { it.id == '" + id + "' }");
    }

    private static RequestSpecification bearer(String secret) {
        return given().auth().none().header("Authorization", "Bearer " + secret);
    }

    private static RequestSpecification basic(String user) {
        return given().auth().preemptive().basic(user, PASSWORD);
    }

    private static String suffix() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    private static String createUser(String role) {
        String name = role + "-" + suffix();
        given().contentType(ContentType.JSON).body(Map.of("username", name, "password", PASSWORD, "role", role))
                .post("/api/users").then().statusCode(201);
        return name;
    }
}
