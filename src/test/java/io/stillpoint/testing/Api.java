package io.stillpoint.testing;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Small builders over the REST API, so tests read as what an admin does. */
public final class Api {

    private Api() {}

    public static RequestSpecification json() {
        return given().contentType(ContentType.JSON).accept(ContentType.JSON);
    }

    public static String createSimulatedHost(String name, Path root) {
        return json().body(Map.of("name", name, "type", "simulated",
                        "settings", Map.of("root", root.toString(), "writeIntervalMillis", "5")))
                .post("/api/hosts").then().statusCode(201).extract().path("id");
    }

    public static String createRepository(String name, Path path) {
        return json().body(Map.of("name", name, "path", path.toString()))
                .post("/api/repositories").then().statusCode(201).extract().path("id");
    }

    public static String createVm(String hostId, String name, long diskSize, long memory, boolean canQuiesce) {
        return json().body(Map.of("name", name, "diskSizeBytes", diskSize, "memoryBytes", memory,
                        "guestOs", "Debian 12", "canQuiesce", canQuiesce))
                .post("/api/hosts/{id}/vms", hostId).then().statusCode(201).extract().path("id");
    }

    public static String backup(String vmId, Map<String, Object> body) {
        return json().body(body).post("/api/vms/{id}/backup", vmId)
                .then().statusCode(202).extract().path("id");
    }

    /** Polls a run or restore until it has finished, and returns its final JSON. */
    public static JsonPath awaitFinished(String collection, String id) {
        JsonPath[] last = new JsonPath[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
            last[0] = json().get("/api/" + collection + "/{id}", id).then().statusCode(200).extract().jsonPath();
            return List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(last[0].getString("status"));
        });
        return last[0];
    }

    public static String vmState(String vmId) {
        return json().get("/api/vms/{id}", vmId).then().statusCode(200).extract().path("state");
    }
}
