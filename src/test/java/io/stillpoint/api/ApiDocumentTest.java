package io.stillpoint.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.stillpoint.alert.Severity;
import io.stillpoint.backup.BackupMode;
import io.stillpoint.restore.RestoreTarget;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a generated client needs of the document beyond the linter's rules: every success answer says its
 * status and what it holds, or a client returns an untyped Object for it (as it did for 31 operations whose
 * methods return a JAX-RS Response, all documented as "200 {}").
 */
@QuarkusTest
class ApiDocumentTest {

    @Test
    @SuppressWarnings("unchecked")
    void everySuccessAnswerHasASchemaUnlessItHasNoBody() {
        Map<String, Object> paths = given().auth().none().accept(ContentType.JSON).get("/q/openapi?format=json").then()
                .statusCode(200).extract().jsonPath().getMap("paths");
        List<String> untyped = new ArrayList<>();
        paths.forEach((path, item) -> ((Map<String, Object>) item).forEach((method, value) -> {
            if (!(value instanceof Map<?, ?> operation) || !(operation.get("responses") instanceof Map<?, ?> responses)) {
                return;
            }
            responses.forEach((code, answer) -> {
                if (!code.toString().startsWith("2") || code.equals("204")) {
                    return;
                }
                Map<String, Object> content = (Map<String, Object>) ((Map<String, Object>) answer).get("content");
                if (content == null || content.isEmpty()) {
                    untyped.add(method + " " + path + " " + code + ": no content");
                    return;
                }
                content.forEach((type, media) -> {
                    Object schema = ((Map<String, Object>) media).get("schema");
                    if (!(schema instanceof Map<?, ?> described) || described.isEmpty()) {
                        untyped.add(method + " " + path + " " + code + " " + type + ": no schema");
                    }
                });
            });
        }));
        assertThat(untyped).isEmpty();
    }

    /**
     * The enumerations written out in {@code @Schema} are the ids the server parses: generated clients offer
     * exactly these values, and the console's selects are typed by them.
     */
    @Test
    void enumeratedFieldsListTheValuesTheServerAccepts() {
        JsonPath schemas = new JsonPath(given().auth().none().accept(ContentType.JSON).get("/q/openapi?format=json").then()
                .statusCode(200).extract().asString()).setRootPath("components.schemas");
        List<String> modes = Arrays.stream(BackupMode.values()).map(BackupMode::id).toList();
        assertThat(schemas.getList("BackupRequestBody.properties.mode.enum", String.class)).containsExactlyInAnyOrderElementsOf(modes);
        assertThat(schemas.getList("JobRequest.properties.mode.enum", String.class)).containsExactlyInAnyOrderElementsOf(modes);
        assertThat(schemas.getList("JobResponse.properties.mode.enum", String.class)).containsExactlyInAnyOrderElementsOf(modes);
        assertThat(schemas.getList("RestoreRequestBody.properties.target.enum", String.class))
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(RestoreTarget.values()).map(RestoreTarget::id).toList());
        List<String> severities = Arrays.stream(Severity.values()).map(Severity::id).toList();
        for (String field : List.of("ChannelRule.properties.minSeverity", "Rule.properties.minSeverity",
                "AlertEventResponse.properties.severity", "EventTypeResponse.properties.severity")) {
            assertThat(schemas.getList(field + ".enum", String.class)).as(field).containsExactlyInAnyOrderElementsOf(severities);
        }
    }

    /**
     * Jackson writes every field of an answer, so an answer's schema requires them all and says which may be
     * null; a request's schema requires none beyond what the server checks, since a field left out is null.
     */
    @Test
    void answersRequireTheirFieldsAndSayWhichMayBeNull() {
        JsonPath schemas = new JsonPath(given().auth().none().accept(ContentType.JSON).get("/q/openapi?format=json").then()
                .statusCode(200).extract().asString()).setRootPath("components.schemas");
        assertThat(schemas.getList("RunResponse.required", String.class))
                .containsExactlyInAnyOrderElementsOf(schemas.getMap("RunResponse.properties").keySet().stream().map(String::valueOf).toList());
        assertThat(schemas.getString("RunResponse.properties.error.type")).contains("null");
        assertThat(schemas.getString("RunResponse.properties.bytesTotal.type")).doesNotContain("null");
        assertThat(schemas.getList("RunResponse.properties.progress.anyOf.type", String.class)).contains("null");
        assertThat(schemas.getList("JobRequest.required")).isNull();
        assertThat(schemas.getList("ChannelResponse.required", String.class)).contains("id", "rules").doesNotContain("secret", "email");
    }
}
