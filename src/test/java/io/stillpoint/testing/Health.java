package io.stillpoint.testing;

import static io.restassured.RestAssured.given;

import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;

/** Reads the readiness check's word on one repository. */
public final class Health {

    private Health() {}

    /** Whether the server is ready at all (other tests' repositories count too). */
    public static boolean ready() {
        return given().get("/q/health/ready").statusCode() == 200;
    }

    /** What readiness says of one repository: {@code ready}, or its problems. */
    public static String ofRepository(String name) {
        JsonPath health = given().get("/q/health/ready").then().extract().jsonPath();
        List<Map<String, Object>> checks = health.getList("checks");
        return checks.stream().filter(c -> "repositories".equals(c.get("name")))
                .map(c -> String.valueOf(((Map<?, ?>) c.get("data")).get(name)))
                .findFirst().orElseThrow();
    }
}
