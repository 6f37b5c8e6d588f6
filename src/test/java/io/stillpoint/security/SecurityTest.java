package io.stillpoint.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.stillpoint.testing.CatalogTestResource;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Every /api route needs credentials; viewers cannot change anything; operators cannot manage users or
 * hosts; console sessions need the CSRF token; state-changing calls land in the audit log.
 */
@QuarkusTest
class SecurityTest {

    private static final String PASSWORD = "a-long-enough-password";

    String viewer;
    String operator;

    @BeforeEach
    void users() {
        viewer = "viewer-" + UUID.randomUUID().toString().substring(0, 8);
        operator = "operator-" + UUID.randomUUID().toString().substring(0, 8);
        createUser(viewer, "viewer");
        createUser(operator, "operator");
    }

    /** Every route the OpenAPI document lists, with its ids filled in by fresh UUIDs. */
    static List<String[]> routes() {
        JsonPath openapi = given().auth().none().accept(ContentType.JSON).get("/q/openapi?format=json").then()
                .statusCode(200).extract().jsonPath();
        Map<String, Map<String, Object>> paths = openapi.getMap("paths");
        List<String[]> routes = new ArrayList<>();
        paths.forEach((path, methods) -> {
            if (!path.startsWith("/api/")) {
                return;
            }
            String concrete = path.replaceAll("\\{[^}]+}", UUID.randomUUID().toString());
            for (String method : methods.keySet()) {
                routes.add(new String[] {method.toUpperCase(), concrete});
            }
        });
        assertThat(routes).hasSizeGreaterThan(30);
        return routes;
    }

    @Test
    void everyApiRouteNeedsCredentials() {
        for (String[] route : routes()) {
            given().auth().none().contentType(ContentType.JSON).body("{}").request(route[0], route[1])
                    .then().statusCode(401);
        }
        // Open without credentials; health may be DOWN (503) when another test left a repository unmounted.
        given().auth().none().get("/q/health").then().statusCode(not(401));
        given().auth().none().get("/q/metrics").then().statusCode(200);
    }

    @Test
    void wrongPasswordsAreRefused() {
        given().auth().preemptive().basic("admin", "not-the-password").get("/api/vms").then().statusCode(401);
        given().auth().none().contentType(ContentType.URLENC).formParam("j_username", "admin")
                .formParam("j_password", "not-the-password").post("/j_security_check").then().statusCode(401);
    }

    @Test
    void viewersCannotChangeAnythingButCanRead() {
        for (String[] route : routes()) {
            // Their own session and their own API tokens are a viewer's to manage (TokenTest).
            if (route[0].equals("GET") || route[1].equals("/api/session/logout") || route[1].startsWith("/api/tokens")) {
                continue;
            }
            given().auth().preemptive().basic(viewer, PASSWORD).contentType(ContentType.JSON).body("{}")
                    .request(route[0], route[1]).then().statusCode(403).contentType("application/problem+json");
        }
        given().auth().preemptive().basic(viewer, PASSWORD).get("/api/vms").then().statusCode(200);
        given().auth().preemptive().basic(viewer, PASSWORD).get("/api/me").then().statusCode(200)
                .body("role", equalTo("viewer"));
    }

    @Test
    void operatorsRunBackupsButDoNotManageUsersOrHosts() {
        RequestSpecification asOperator = given().auth().preemptive().basic(operator, PASSWORD).contentType(ContentType.JSON);
        asOperator.body(Map.of("username", "x-" + UUID.randomUUID(), "password", PASSWORD, "role", "admin"))
                .post("/api/users").then().statusCode(403);
        asOperator.body(Map.of("name", "h", "type", "simulated")).post("/api/hosts").then().statusCode(403);
        asOperator.get("/api/audit").then().statusCode(403);
        // Allowed through: it reaches the resource, which finds no such VM.
        asOperator.body(Map.of()).post("/api/vms/{id}/backup", UUID.randomUUID()).then().statusCode(404);
    }

    @Test
    void aConsoleSessionNeedsTheCsrfToken() {
        Response login = given().auth().none().contentType(ContentType.URLENC).formParam("j_username", operator)
                .formParam("j_password", PASSWORD).post("/j_security_check");
        assertThat(login.statusCode()).isEqualTo(200);
        String session = login.getCookie(CsrfCheck.SESSION_COOKIE);
        assertThat(session).isNotBlank();

        Response me = given().auth().none().cookie(CsrfCheck.SESSION_COOKIE, session).get("/api/me");
        me.then().statusCode(200).body("username", equalTo(operator));
        String token = me.getCookie(CsrfCheck.TOKEN_COOKIE);
        assertThat(token).isNotBlank();

        String vm = UUID.randomUUID().toString();
        given().auth().none().cookie(CsrfCheck.SESSION_COOKIE, session).contentType(ContentType.JSON).body("{}")
                .post("/api/vms/{id}/backup", vm).then().statusCode(403).contentType("application/problem+json")
                .body("detail", containsString(CsrfCheck.TOKEN_HEADER));
        given().auth().none().cookie(CsrfCheck.SESSION_COOKIE, session).cookie(CsrfCheck.TOKEN_COOKIE, token)
                .header(CsrfCheck.TOKEN_HEADER, "forged").contentType(ContentType.JSON).body("{}")
                .post("/api/vms/{id}/backup", vm).then().statusCode(403);
        given().auth().none().cookie(CsrfCheck.SESSION_COOKIE, session).cookie(CsrfCheck.TOKEN_COOKIE, token)
                .header(CsrfCheck.TOKEN_HEADER, token).contentType(ContentType.JSON).body("{}")
                .post("/api/vms/{id}/backup", vm).then().statusCode(404);
    }

    @Test
    void usersAreManagedByAdminsAndPasswordsNeverComeBack() {
        String name = "temp-" + UUID.randomUUID().toString().substring(0, 8);
        String created = given().contentType(ContentType.JSON)
                .body(Map.of("username", name, "password", PASSWORD, "role", "viewer"))
                .post("/api/users").then().statusCode(201).extract().asString();
        assertThat(created).doesNotContain(PASSWORD).doesNotContain("password");
        given().get("/api/users").then().statusCode(200).body(not(containsString("$2a$")))
                .body(not(containsString(PASSWORD)));
        given().contentType(ContentType.JSON).body(Map.of("role", "operator")).put("/api/users/{u}", name)
                .then().statusCode(200).body("role", equalTo("operator"));
        given().contentType(ContentType.JSON).body(Map.of("username", name + "x", "password", "short", "role", "viewer"))
                .post("/api/users").then().statusCode(400).body("detail", containsString("password"));
        given().contentType(ContentType.JSON).body(Map.of("username", name + "y", "password", PASSWORD, "role", "root"))
                .post("/api/users").then().statusCode(400).body("detail", containsString("role"));
        given().delete("/api/users/{u}", name).then().statusCode(204);
        given().auth().preemptive().basic(name, PASSWORD).get("/api/vms").then().statusCode(401);
        given().delete("/api/users/admin").then().statusCode(409).body("detail", containsString("last admin"));
    }

    @Test
    void stateChangingCallsAreAudited() {
        given().auth().preemptive().basic(operator, PASSWORD).contentType(ContentType.JSON).body(Map.of())
                .post("/api/vms/{id}/backup", UUID.randomUUID()).then().statusCode(404);
        List<Map<String, Object>> events = given().get("/api/audit?limit=50").then().statusCode(200)
                .extract().jsonPath().getList("$");
        assertThat(events).anyMatch(e -> operator.equals(e.get("username"))
                && "POST /api/vms/{id}/backup".equals(e.get("action")) && Integer.valueOf(404).equals(e.get("status")));
        assertThat(events).anyMatch(e -> "admin".equals(e.get("username")) && "POST /api/users".equals(e.get("action")));
    }

    @Test
    void callsRefusedForTheirRoleAreAuditedToo() {
        String name = "refused-" + UUID.randomUUID().toString().substring(0, 8);
        given().auth().preemptive().basic(viewer, PASSWORD).contentType(ContentType.JSON)
                .body(Map.of("name", name, "type", "simulated")).post("/api/hosts").then().statusCode(403);
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                given().get("/api/audit?limit=50").then().statusCode(200).extract().jsonPath().<Map<String, Object>>getList("$"))
                .anyMatch(e -> viewer.equals(e.get("username")) && "POST /api/hosts".equals(e.get("action"))
                        && Integer.valueOf(403).equals(e.get("status"))));
    }

    private static void createUser(String name, String role) {
        given().auth().preemptive().basic("admin", CatalogTestResource.ADMIN_PASSWORD).contentType(ContentType.JSON)
                .body(Map.of("username", name, "password", PASSWORD, "role", role))
                .post("/api/users").then().statusCode(201);
    }
}
