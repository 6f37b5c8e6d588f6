package io.stillpoint.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.ArrayList;
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
}
