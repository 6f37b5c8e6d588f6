package io.stillpoint.api;

import static io.restassured.RestAssured.given;
import static io.stillpoint.testing.Api.awaitFinished;
import static io.stillpoint.testing.Api.backup;
import static io.stillpoint.testing.Api.json;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.stillpoint.testing.Api;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The document says what the server writes: real answers of the main reads, after a backup, a restore and a
 * job, checked field by field against the schema of their operation. A field the document requires must be
 * there, may be null only where it says nullable, must hold one of its enumerated values, and the answer has no
 * field the document lacks. The console's types and generated clients are made from these schemas, so an
 * answer that strays from them breaks them where the compiler cannot see it.
 */
@QuarkusTest
class AnswersMatchDocumentTest {

    private static final long MIB = 1024 * 1024;

    @ConfigProperty(name = "stillpoint.home")
    Path home;

    // Made once for the class (a backup and a restore take a few seconds); RestAssured knows the server's port
    // only from the first test on, so not in a @BeforeAll.
    static Map<String, Object> document;
    static String vmId;
    static String runId;
    static String pointId;
    static String restoreId;
    static String hostId;
    static String repositoryId;
    static String jobId;

    @BeforeEach
    void backUpRestoreAndScheduleOnce() throws Exception {
        if (document != null) {
            return;
        }
        Map<String, Object> fetched = given().auth().none().accept(ContentType.JSON).get("/q/openapi?format=json").then().statusCode(200)
                .extract().jsonPath().getMap("$");
        String tag = UUID.randomUUID().toString().substring(0, 8);
        hostId = Api.createSimulatedHost("answers-" + tag, Files.createDirectories(home.resolve("hosts-" + tag)));
        repositoryId = Api.createRepository("answers-" + tag, home.resolve("repo-" + tag));
        vmId = Api.createVm(hostId, "answers-" + tag, 8 * MIB, 8 * MIB, false);
        runId = backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId));
        pointId = awaitFinished("runs", runId).getString("restorePointId");
        restoreId = json().body(Map.of("target", "path", "path", home.resolve("restores").resolve("answers-" + tag).toString()))
                .post("/api/restore-points/{id}/restore", pointId).then().statusCode(202).extract().path("id");
        awaitFinished("restores", restoreId);
        jobId = json().body(Map.of("name", "answers-" + tag, "schedule", "0 0 2 * * ?", "vmIds", List.of(vmId), "mode", "pause",
                        "repositoryId", repositoryId, "retention", Map.of("keepLast", 3)))
                .post("/api/jobs").then().statusCode(201).extract().path("id");
        document = fetched;
    }

    @Test
    void theCatalogsAnswersHaveTheDocumentedShape() {
        List<String> strays = new ArrayList<>();
        check("/api/hosts", "/api/hosts", strays);
        check("/api/vms", "/api/vms", strays);
        check("/api/vms/{id}", "/api/vms/" + vmId, strays);
        check("/api/runs", "/api/runs?vmId=" + vmId, strays);
        check("/api/runs/{id}", "/api/runs/" + runId, strays);
        check("/api/restore-points", "/api/restore-points?vmId=" + vmId, strays);
        check("/api/restore-points/{id}", "/api/restore-points/" + pointId, strays);
        check("/api/restore-points/{id}/files", "/api/restore-points/" + pointId + "/files", strays);
        check("/api/restore-points/{id}/guest/status", "/api/restore-points/" + pointId + "/guest/status", strays);
        check("/api/restores", "/api/restores?vmId=" + vmId, strays);
        check("/api/restores/{id}", "/api/restores/" + restoreId, strays);
        check("/api/repositories", "/api/repositories", strays);
        check("/api/repositories/{id}/usage", "/api/repositories/" + repositoryId + "/usage", strays);
        check("/api/jobs", "/api/jobs", strays);
        check("/api/jobs/{id}", "/api/jobs/" + jobId, strays);
        check("/api/dashboard", "/api/dashboard", strays);
        check("/api/writers", "/api/writers", strays);
        assertThat(strays).isEmpty();
    }

    @Test
    void theAnswersOfActionsHaveTheDocumentedShape() {
        List<String> strays = new ArrayList<>();
        checkPost(json(), "/api/hosts/{id}/refresh", hostId, 200, strays);
        checkPost(json().queryParam("dryRun", true), "/api/jobs/{id}/prune", jobId, 200, strays);
        checkPost(json().queryParam("dryRun", true), "/api/repositories/{id}/check", repositoryId, 200, strays);
        checkPost(json().body(Map.of()), "/api/restore-points/{id}/boot-test", pointId, 202, strays);
        await().atMost(Duration.ofSeconds(60)).until(() -> !"RUNNING".equals(
                json().get("/api/restore-points/{id}/boot-test", pointId).then().statusCode(200).extract().path("status")));
        check("/api/restore-points/{id}/boot-test", "/api/restore-points/" + pointId + "/boot-test", strays);
        check("/api/restore-points/{id}", "/api/restore-points/" + pointId, strays);
        check("/api/boot-tests/unproven", "/api/boot-tests/unproven", strays);

        String tag = UUID.randomUUID().toString().substring(0, 8);
        checkPost(json().body(Map.of("name", "answers-" + tag, "role", "viewer")), "/api/tokens", null, 201, strays);
        check("/api/tokens", "/api/tokens", strays);
        check("/api/users", "/api/users", strays);
        check("/api/me", "/api/me", strays);
        check("/api/sign-in/locks", "/api/sign-in/locks", strays);

        // A webhook nobody listens on: the test message fails, and its attempt says why.
        String channelId = json().body(Map.of("name", "answers-" + tag, "type", "webhook",
                        "webhook", Map.of("url", "http://127.0.0.1:9/hook")))
                .post("/api/notifications/channels").then().statusCode(201).extract().path("id");
        checkPost(json(), "/api/notifications/channels/{id}/test", channelId, 200, strays);
        check("/api/notifications/channels", "/api/notifications/channels", strays);
        check("/api/notifications/channels/{id}/attempts", "/api/notifications/channels/" + channelId + "/attempts", strays);
        check("/api/notifications/event-types", "/api/notifications/event-types", strays);
        check("/api/notifications/events", "/api/notifications/events", strays);
        check("/api/audit", "/api/audit", strays);
        assertThat(strays).isEmpty();
    }

    @Test
    void aStrayAnswerIsCaught() {
        List<String> strays = new ArrayList<>();
        Map<String, Object> run = json().get("/api/runs/{id}", runId).then().statusCode(200).extract().jsonPath().getMap("$");
        Map<String, Object> strayed = new HashMap<>(run);
        strayed.put("id", null);
        strayed.remove("vmId");
        strayed.put("status", "SLEEPING");
        strayed.put("colour", "blue");
        conform(schemaOf("get", "/api/runs/{id}", "200"), strayed, "run", strays);
        assertThat(strays).containsExactlyInAnyOrder("run.id: null, but not nullable", "run.vmId: missing",
                "run.status: 'SLEEPING' is not one of [QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, SKIPPED]",
                "run.colour: not in the document");
    }

    private void check(String template, String path, List<String> strays) {
        Object answer = json().get(path).then().statusCode(200).extract().jsonPath().get("$");
        conform(schemaOf("get", template, "200"), answer, "GET " + path, strays);
    }

    /** Posts {@code request} to {@code template} (its {@code {id}}, if any, filled in) and checks the answer. */
    private void checkPost(RequestSpecification request, String template, String id, int status, List<String> strays) {
        Object answer = (id == null ? request.post(template) : request.post(template, id)).then().statusCode(status)
                .extract().jsonPath().get("$");
        conform(schemaOf("post", template, Integer.toString(status)), answer, "POST " + template, strays);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> schemaOf(String method, String template, String status) {
        Map<String, Object> schema = (Map<String, Object>) at(document, "paths", template, method, "responses", status, "content",
                "application/json", "schema");
        assertThat(schema).as("the schema of %s %s's %s in the document", method, template, status).isNotNull();
        return schema;
    }

    @SuppressWarnings("unchecked")
    private void conform(Map<String, Object> schema, Object value, String where, List<String> strays) {
        if (schema.get("$ref") instanceof String ref) {
            conform((Map<String, Object>) at(document, "components", "schemas", ref.substring(ref.lastIndexOf('/') + 1)),
                    value, where, strays);
            return;
        }
        if (value == null) {
            if (!nullable(schema)) {
                strays.add(where + ": null, but not nullable");
            }
            return;
        }
        if (schema.get("anyOf") instanceof List<?> alternatives) {
            alternatives.stream().map(a -> (Map<String, Object>) a).filter(a -> !"null".equals(a.get("type")))
                    .forEach(a -> conform(a, value, where, strays));
        }
        if (schema.get("enum") instanceof List<?> values && !values.contains(value)) {
            strays.add(where + ": '" + value + "' is not one of " + values);
        }
        if (value instanceof List<?> items && schema.get("items") instanceof Map<?, ?> itemSchema) {
            for (int i = 0; i < items.size(); i++) {
                conform((Map<String, Object>) itemSchema, items.get(i), where + "[" + i + "]", strays);
            }
        }
        if (value instanceof Map<?, ?> object) {
            if (schema.get("properties") instanceof Map<?, ?> properties) {
                List<?> required = schema.get("required") instanceof List<?> names ? names : List.of();
                for (Object name : required) {
                    if (!object.containsKey(name)) {
                        strays.add(where + "." + name + ": missing");
                    }
                }
                object.forEach((name, field) -> {
                    if (!properties.containsKey(name)) {
                        strays.add(where + "." + name + ": not in the document");
                    } else {
                        conform((Map<String, Object>) properties.get(name), field, where + "." + name, strays);
                    }
                });
            } else if (schema.get("additionalProperties") instanceof Map<?, ?> valueSchema) {
                object.forEach((name, field) -> conform((Map<String, Object>) valueSchema, field, where + "." + name, strays));
            }
        }
    }

    private static boolean nullable(Map<String, Object> schema) {
        return schema.get("type") instanceof List<?> types && types.contains("null")
                || schema.get("anyOf") instanceof List<?> alternatives
                        && alternatives.stream().anyMatch(a -> a instanceof Map<?, ?> m && "null".equals(m.get("type")));
    }

    @SuppressWarnings("unchecked")
    private static Object at(Map<String, Object> root, String... keys) {
        Object node = root;
        for (String key : keys) {
            if (!(node instanceof Map<?, ?> map)) {
                return null;
            }
            node = ((Map<String, Object>) map).get(key);
        }
        return node;
    }
}
