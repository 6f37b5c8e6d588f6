package io.stillpoint.alert;

import static io.restassured.RestAssured.given;
import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Channels over the API: admins only, secrets never read back, every change audited, and bad input refused
 * naming its field without changing anything.
 */
@QuarkusTest
class NotificationChannelsTest {

    private static final String PASSWORD = "channel-test-password";

    @AfterEach
    void removeChannels() {
        for (String id : json().get("/api/notifications/channels").then().statusCode(200).extract()
                .jsonPath().getList("id", String.class)) {
            json().delete("/api/notifications/channels/{id}", id).then().statusCode(204);
        }
    }

    @Test
    void aWebhookSecretIsShownOnceAtCreationAndNeverReadBack() {
        String name = "hook-" + UUID.randomUUID();
        var created = json().body(Map.of("name", name, "type", "webhook",
                        "webhook", Map.of("url", "https://hooks.example.org/stillpoint?team=ops"),
                        "rules", List.of(Map.of("types", List.of("run-failed", "verify-failed"), "minSeverity", "critical"))))
                .post("/api/notifications/channels").then().statusCode(201)
                .body("secret", startsWith("whsec_")).body("secretSet", equalTo(true))
                .body("webhook.url", equalTo("https://hooks.example.org/stillpoint?team=ops"))
                .extract().jsonPath();
        String id = created.getString("id");
        String secret = created.getString("secret");

        String list = json().get("/api/notifications/channels").then().statusCode(200).extract().asString();
        String one = json().get("/api/notifications/channels/{id}", id).then().statusCode(200)
                .body("secretSet", equalTo(true)).body("rules[0].types", equalTo(List.of("run-failed", "verify-failed")))
                .extract().asString();
        assertThat(list).contains(name).doesNotContain(secret).doesNotContain("whsec_");
        assertThat(one).doesNotContain(secret).doesNotContain("\"secret\"");

        String rotated = json().post("/api/notifications/channels/{id}/secret", id).then().statusCode(200)
                .extract().path("secret");
        assertThat(rotated).startsWith("whsec_").isNotEqualTo(secret);

        String audit = json().get("/api/audit?limit=50").then().statusCode(200).extract().asString();
        assertThat(audit).contains("POST /api/notifications/channels").contains("POST /api/notifications/channels/{id}/secret")
                .doesNotContain(secret).doesNotContain(rotated);
    }

    @Test
    void anSmtpPasswordIsNeverReadBackAndStaysWhenAnUpdateLeavesItOut() {
        Map<String, Object> email = new HashMap<>(Map.of("host", "smtp.example.org", "username", "alerts",
                "password", PASSWORD, "from", "stillpoint@example.org", "to", List.of("ops@example.org")));
        String id = json().body(Map.of("name", "mail-" + UUID.randomUUID(), "type", "email", "email", email))
                .post("/api/notifications/channels").then().statusCode(201)
                .body("email.port", equalTo(587)).body("email.security", equalTo("starttls"))
                .body("rules[0].minSeverity", equalTo("warning")).extract().path("id");
        email.remove("password");
        email.put("to", List.of("ops@example.org", "night@example.org"));
        String updated = json().body(Map.of("name", "mail renamed", "type", "email", "email", email, "enabled", false))
                .put("/api/notifications/channels/{id}", id).then().statusCode(200)
                .body("enabled", equalTo(false)).body("secretSet", equalTo(true)).extract().asString();
        String read = json().get("/api/notifications/channels").then().statusCode(200).extract().asString();
        assertThat(updated + read).doesNotContain(PASSWORD).contains("night@example.org");
        assertThat(io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(
                () -> NotificationChannel.byId(UUID.fromString(id)).orElseThrow().secret)).isEqualTo(PASSWORD);
    }

    static Stream<Arguments> badChannels() {
        Map<String, Object> mail = Map.of("host", "smtp.example.org", "from", "stillpoint@example.org",
                "to", List.of("ops@example.org"));
        return Stream.of(
                Arguments.of(Map.of("name", "ftp", "type", "webhook", "webhook", Map.of("url", "ftp://files.example.org/hook")),
                        "webhook.url"),
                Arguments.of(Map.of("name", "file", "type", "webhook", "webhook", Map.of("url", "file:///etc/passwd")),
                        "webhook.url"),
                Arguments.of(Map.of("name", "creds", "type", "webhook", "webhook", Map.of("url", "https://u:p@hooks.example.org/")),
                        "webhook.url"),
                Arguments.of(Map.of("name", "nohook", "type", "webhook"), "webhook"),
                Arguments.of(Map.of("name", "pager", "type", "pager"), "type"),
                Arguments.of(Map.of("name", "", "type", "webhook", "webhook", Map.of("url", "https://h.example.org/")), "name"),
                Arguments.of(Map.of("name", "unknown-type", "type", "webhook", "webhook", Map.of("url", "https://h.example.org/"),
                        "rules", List.of(Map.of("types", List.of("run-failed", "disk-on-fire")))), "rules[0].types[1]"),
                Arguments.of(Map.of("name", "severity", "type", "webhook", "webhook", Map.of("url", "https://h.example.org/"),
                        "rules", List.of(Map.of("minSeverity", "panic"))), "rules[0].minSeverity"),
                Arguments.of(Map.of("name", "no-rules", "type", "webhook", "webhook", Map.of("url", "https://h.example.org/"),
                        "rules", List.of()), "rules"),
                Arguments.of(Map.of("name", "bad-to", "type", "email", "email", with(mail, "to",
                        List.of("ops@example.org", "not an address"))), "email.to[1]"),
                Arguments.of(Map.of("name", "bad-from", "type", "email", "email", with(mail, "from", "root")), "email.from"),
                Arguments.of(Map.of("name", "bad-security", "type", "email", "email", with(mail, "security", "ssl3")),
                        "email.security"),
                Arguments.of(Map.of("name", "bad-port", "type", "email", "email", with(mail, "port", 70000)), "email.port"),
                Arguments.of(Map.of("name", "bad-host", "type", "email", "email", with(mail, "host", "-oProxyCommand=x")),
                        "email.host"),
                Arguments.of(Map.of("name", "no-password", "type", "email", "email", with(mail, "username", "alerts")),
                        "email.password"),
                Arguments.of(Map.of("name", "bad-cert", "type", "email", "email", with(mail, "trustedCertificate",
                        "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----")), "email.trustedCertificate"));
    }

    @ParameterizedTest
    @MethodSource("badChannels")
    void badInputIsRefusedNamingTheFieldAndChangesNothing(Map<String, Object> body, String field) {
        int before = channels();
        json().body(body).post("/api/notifications/channels").then().statusCode(400)
                .contentType("application/problem+json").body("errors.field", hasItem(field));
        assertThat(channels()).isEqualTo(before);
    }

    @Test
    void aChannelsTypeCannotChangeAndItsNameIsItsOwn() {
        Map<String, Object> hook = Map.of("name", "typed", "type", "webhook", "webhook", Map.of("url", "http://127.0.0.1:9/x"));
        String id = json().body(hook).post("/api/notifications/channels").then().statusCode(201).extract().path("id");
        json().body(hook).post("/api/notifications/channels").then().statusCode(400).body("errors.field", hasItem("name"));
        json().body(Map.of("name", "typed", "type", "email", "email", Map.of("host", "smtp.example.org",
                        "from", "a@example.org", "to", List.of("b@example.org"))))
                .put("/api/notifications/channels/{id}", id).then().statusCode(400).body("errors.field", hasItem("type"));
        json().get("/api/notifications/channels/{id}", id).then().statusCode(200).body("type", equalTo("webhook"));
        json().get("/api/notifications/channels/{id}", UUID.randomUUID()).then().statusCode(404);
        json().get("/api/notifications/events?type=disk-on-fire").then().statusCode(400).body("errors.field", hasItem("type"));
    }

    @Test
    void onlyAdminsManageChannelsWhileEveryoneReadsTheAlerts() {
        String operator = "alerts-op-" + UUID.randomUUID().toString().substring(0, 8);
        json().body(Map.of("username", operator, "password", PASSWORD, "role", "operator")).post("/api/users")
                .then().statusCode(201);
        var asOperator = given().auth().preemptive().basic(operator, PASSWORD).contentType(ContentType.JSON);
        asOperator.get("/api/notifications/channels").then().statusCode(403);
        given().auth().preemptive().basic(operator, PASSWORD).contentType(ContentType.JSON)
                .body(Map.of("name", "sneaky", "type", "webhook", "webhook", Map.of("url", "https://h.example.org/")))
                .post("/api/notifications/channels").then().statusCode(403);
        given().auth().preemptive().basic(operator, PASSWORD).get("/api/notifications/events").then().statusCode(200);
        given().auth().preemptive().basic(operator, PASSWORD).get("/api/notifications/event-types").then().statusCode(200)
                .body("id", hasItem("vm-unprotected"));
        assertThat(channels()).isZero();
    }

    private static int channels() {
        return json().get("/api/notifications/channels").then().statusCode(200).extract().jsonPath().getList("id").size();
    }

    private static Map<String, Object> with(Map<String, Object> base, String key, Object value) {
        Map<String, Object> copy = new HashMap<>(base);
        copy.put(key, value);
        return copy;
    }
}
