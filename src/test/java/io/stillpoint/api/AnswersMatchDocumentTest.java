package io.stillpoint.api;

import static io.restassured.RestAssured.given;
import static io.stillpoint.testing.Api.awaitFinished;
import static io.stillpoint.testing.Api.backup;
import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.stillpoint.testing.Api;
import java.nio.file.Files;
import java.nio.file.Path;
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
        String hostId = Api.createSimulatedHost("answers-" + tag, Files.createDirectories(home.resolve("hosts-" + tag)));
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
        check("/api/restores", "/api/restores?vmId=" + vmId, strays);
        check("/api/restores/{id}", "/api/restores/" + restoreId, strays);
        check("/api/repositories", "/api/repositories", strays);
        check("/api/repositories/{id}/usage", "/api/repositories/" + repositoryId + "/usage", strays);
        check("/api/jobs", "/api/jobs", strays);
        check("/api/jobs/{id}", "/api/jobs/" + jobId, strays);
        check("/api/dashboard", "/api/dashboard", strays);
        check("/api/audit", "/api/audit", strays);
        check("/api/notifications/event-types", "/api/notifications/event-types", strays);
        check("/api/notifications/events", "/api/notifications/events", strays);
        check("/api/writers", "/api/writers", strays);
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
        conform(schemaOf("/api/runs/{id}"), strayed, "run", strays);
        assertThat(strays).containsExactlyInAnyOrder("run.id: null, but not nullable", "run.vmId: missing",
                "run.status: 'SLEEPING' is not one of [QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, SKIPPED]",
                "run.colour: not in the document");
    }

    private void check(String template, String path, List<String> strays) {
        Object answer = json().get(path).then().statusCode(200).extract().jsonPath().get("$");
        conform(schemaOf(template), answer, "GET " + path, strays);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> schemaOf(String template) {
        Map<String, Object> operation = (Map<String, Object>) at(document, "paths", template, "get");
        assertThat(operation).as("GET %s in the document", template).isNotNull();
        return (Map<String, Object>) at(operation, "responses", "200", "content", "application/json", "schema");
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
