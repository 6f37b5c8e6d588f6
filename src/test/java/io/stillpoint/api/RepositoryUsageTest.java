package io.stillpoint.api;

import static io.stillpoint.testing.Api.awaitFinished;
import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.stillpoint.catalog.RepositoryUsage;
import io.stillpoint.testing.Api;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A repository's space over time: sampled by real runs and deletions, read back oldest first. */
@QuarkusTest
class RepositoryUsageTest {

    private static final long MIB = 1024 * 1024;

    @ConfigProperty(name = "stillpoint.home")
    Path home;

    String tag;

    @BeforeEach
    void tag() {
        tag = UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void eachRunAndEachDeletionLeavesTheLogicalSizeOfThePointsThenLeft() throws IOException {
        String repositoryId = repository("sampled");
        String vmId = vm();
        assertThat(usage(repositoryId, "")).isEmpty();

        JsonPath first = backup(vmId, repositoryId);
        long firstSize = size(first.getString("restorePointId"));
        assertThat(newest(repositoryId).getLong("logicalBytes")).isEqualTo(firstSize);
        assertThat(newest(repositoryId).getLong("usedBytes")).isPositive();

        JsonPath second = backup(vmId, repositoryId);
        long secondSize = size(second.getString("restorePointId"));
        assertThat(newest(repositoryId).getLong("logicalBytes")).isEqualTo(firstSize + secondSize);

        json().delete("/api/restore-points/{id}", first.getString("restorePointId")).then().statusCode(204);
        assertThat(newest(repositoryId).getLong("logicalBytes")).isEqualTo(secondSize);
        assertThat(Instant.parse(newest(repositoryId).getString("sampledAt")))
                .isAfterOrEqualTo(Instant.parse(second.getString("finishedAt")));
    }

    @Test
    void samplesWithinAMinuteReplaceEachOtherAndComeBackOldestFirst() throws IOException {
        UUID repositoryId = UUID.fromString(repository("minute"));
        Instant start = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS);
        QuarkusTransaction.requiringNew().run(() -> {
            RepositoryUsage.record(repositoryId, start, 100L, 1_000);
            RepositoryUsage.record(repositoryId, start.plusSeconds(30), 150L, 1_500);
            RepositoryUsage.record(repositoryId, start.plusSeconds(120), null, 2_000);
            RepositoryUsage.record(repositoryId, start.plusSeconds(300), 300L, 3_000);
        });

        List<Map<String, Object>> all = usage(repositoryId.toString(), "");
        assertThat(all).extracting(s -> ((Number) s.get("logicalBytes")).longValue()).containsExactly(1_500L, 2_000L, 3_000L);
        assertThat(all).extracting(s -> Instant.parse((String) s.get("sampledAt")))
                .containsExactly(start.plusSeconds(30), start.plusSeconds(120), start.plusSeconds(300));
        assertThat(all.get(1).get("usedBytes")).isNull();

        assertThat(usage(repositoryId.toString(), "?limit=2"))
                .extracting(s -> ((Number) s.get("logicalBytes")).longValue()).containsExactly(2_000L, 3_000L);
    }

    @Test
    void aLimitOutsideOneTo2000IsRefusedNamingItAndAnUnknownRepositoryIsNotFound() throws IOException {
        String repositoryId = repository("limits");
        for (String limit : List.of("0", "2001", "-5", "many")) {
            json().get("/api/repositories/{id}/usage?limit=" + limit, repositoryId).then()
                    .statusCode(400)
                    .contentType("application/problem+json")
                    .body("errors[0].field", equalTo("limit"))
                    .body("detail", containsString("between 1 and 2000"));
        }
        assertThat(usage(repositoryId, "?limit=2000")).isEmpty();
        json().get("/api/repositories/{id}/usage", UUID.randomUUID()).then()
                .statusCode(404).contentType("application/problem+json");
    }

    private String repository(String name) throws IOException {
        return Api.createRepository(name + "-" + tag, Files.createDirectories(home.resolve("usage-" + name + "-" + tag)));
    }

    private String vm() throws IOException {
        String hostId = Api.createSimulatedHost("usage-" + tag, Files.createDirectories(home.resolve("usage-host-" + tag)));
        return Api.createVm(hostId, "vm", 16 * MIB, 16 * MIB, false);
    }

    private static JsonPath backup(String vmId, String repositoryId) {
        JsonPath run = awaitFinished("runs", Api.backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));
        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        return run;
    }

    private static long size(String pointId) {
        return json().get("/api/restore-points/{id}", pointId).then().statusCode(200).extract().jsonPath()
                .getLong("sizeBytes");
    }

    private static List<Map<String, Object>> usage(String repositoryId, String query) {
        return json().get("/api/repositories/{id}/usage" + query, repositoryId).then().statusCode(200)
                .extract().jsonPath().getList("$");
    }

    private static JsonPath newest(String repositoryId) {
        JsonPath samples = json().get("/api/repositories/{id}/usage", repositoryId).then().statusCode(200)
                .extract().jsonPath();
        assertThat(samples.getList("$")).isNotEmpty();
        return samples.setRootPath("[-1]");
    }
}
