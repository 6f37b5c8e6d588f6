package io.stillpoint.api;

import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.testing.Api;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Paged lists on a catalog with thousands of a VM's points and runs, written by SQL: every item once, newest
 * first, across pages and inserts; filters in SQL; bad paging answered 400 naming the parameter; and the
 * list queries served by an index (EXPLAIN), not a scan of every point or run.
 */
@QuarkusTest
class CatalogPagingTest {

    private static final int POINTS = 3000;
    private static final Pattern NEXT = Pattern.compile("<([^>]+)>; rel=\"next\"");

    @ConfigProperty(name = "stillpoint.home")
    Path home;

    private static String vmId;
    private static String otherVmId;
    private static String repositoryId;
    private static String hostId;

    @BeforeEach
    void catalogWithHistory() throws IOException {
        if (vmId != null) {
            return;
        }
        String tag = UUID.randomUUID().toString().substring(0, 8);
        hostId = Api.createSimulatedHost("paging-" + tag, Files.createDirectories(home.resolve("paging-" + tag)));
        repositoryId = Api.createRepository("paging-" + tag, home.resolve("paging-repo-" + tag));
        vmId = Api.createVm(hostId, "paging-" + tag, 8L << 20, 8L << 20, false);
        otherVmId = Api.createVm(hostId, "paging-other-" + tag, 8L << 20, 8L << 20, false);
        fill(vmId, POINTS);
        fill(otherVmId, 200);
    }

    /**
     * {@code count} runs and their points, two at each instant (the cursor's id must break the tie), every
     * third crash-consistent, every tenth failed its verify, every hundredth protected.
     */
    private void fill(String vm, int count) {
        QuarkusTransaction.requiringNew().run(() -> {
            var em = RestorePoint.getEntityManager();
            em.createNativeQuery("""
                    INSERT INTO backup_run (id, vm_id, repository_id, requested_mode, mode, writer, status, node, created_at,
                        started_at, finished_at, consistency)
                    SELECT md5(?1 || i)::uuid, ?2, ?3, 'pause', 'pause', 'simulated',
                        CASE WHEN i % 7 = 0 THEN 'FAILED' ELSE 'SUCCEEDED' END, 'n',
                        timestamptz '2026-01-01 00:00:00+00' - (i / 2) * interval '1 hour', timestamptz '2026-01-01 00:00:00+00' - (i / 2) * interval '1 hour',
                        timestamptz '2026-01-01 00:00:00+00', 'crash'
                    FROM generate_series(1, ?4) i""")
                    .setParameter(1, "run" + vm).setParameter(2, UUID.fromString(vm))
                    .setParameter(3, UUID.fromString(repositoryId)).setParameter(4, count).executeUpdate();
            em.createNativeQuery("""
                    INSERT INTO restore_point (id, vm_id, run_id, repository_id, created_at, cataloged_at, mode, consistency,
                        writer, relative_path, size_bytes, file_count, manifest_sha256, protected, verify_status)
                    SELECT md5(?1 || i)::uuid, ?2, md5(?3 || i)::uuid, ?4, timestamptz '2026-01-01 00:00:00+00' - (i / 2) * interval '1 hour',
                        timestamptz '2026-01-01 00:00:00+00', 'pause', CASE WHEN i % 3 = 0 THEN 'crash' ELSE 'offline' END, 'simulated',
                        ?2 || '/' || md5(?1 || i)::uuid, 1, 1, 'x', i % 100 = 0, CASE WHEN i % 10 = 0 THEN 'FAILED' END
                    FROM generate_series(1, ?5) i""")
                    .setParameter(1, "point" + vm).setParameter(2, UUID.fromString(vm)).setParameter(3, "run" + vm)
                    .setParameter(4, UUID.fromString(repositoryId)).setParameter(5, count).executeUpdate();
            em.createNativeQuery("ANALYZE restore_point").executeUpdate();
            em.createNativeQuery("ANALYZE backup_run").executeUpdate();
        });
    }

    @Test
    void pagesOfPointsHoldEveryPointOnceNewestFirst() {
        List<Map<String, Object>> all = follow("/api/restore-points?vmId=" + vmId + "&limit=700");
        assertThat(all).hasSize(POINTS);
        assertThat(all.stream().map(p -> p.get("id")).distinct()).hasSize(POINTS);
        assertNewestFirst(all);
        assertThat(all.get(0)).doesNotContainKeys("verifyProblems", "manifestSha256", "bootTest");
    }

    @Test
    void aCursorStaysValidWhileNewerPointsArrive() {
        Response first = json().get("/api/restore-points?vmId={vm}&limit=50", otherVmId).then().statusCode(200).extract().response();
        List<Map<String, Object>> seen = new ArrayList<>(first.jsonPath().getList("$"));
        fillOneNewer(otherVmId);
        seen.addAll(follow(next(first)));
        assertThat(seen).hasSize(200);
        assertThat(seen.stream().map(p -> p.get("id")).distinct()).hasSize(200);
    }

    private void fillOneNewer(String vm) {
        QuarkusTransaction.requiringNew().run(() -> RestorePoint.getEntityManager().createNativeQuery("""
                INSERT INTO restore_point (id, vm_id, run_id, repository_id, created_at, cataloged_at, mode, consistency,
                    writer, relative_path, size_bytes, file_count, manifest_sha256)
                SELECT gen_random_uuid(), vm_id, run_id, repository_id, now(), now(), mode, consistency, writer,
                    relative_path || '-new', 1, 1, 'x'
                FROM restore_point WHERE vm_id = ?1 LIMIT 1""").setParameter(1, UUID.fromString(vm)).executeUpdate());
    }

    @Test
    void filtersAreAppliedBeforePaging() {
        List<Map<String, Object>> crash = follow("/api/restore-points?vmId=" + vmId + "&consistency=crash&limit=1000");
        assertThat(crash).hasSize(POINTS / 3).allSatisfy(p -> assertThat(p.get("consistency")).isEqualTo("crash"));
        assertThat(follow("/api/restore-points?vmId=" + vmId + "&verifyStatus=FAILED")).hasSize(POINTS / 10);
        assertThat(follow("/api/restore-points?vmId=" + vmId + "&protected=true")).hasSize(POINTS / 100)
                .allSatisfy(p -> assertThat(p.get("isProtected")).isEqualTo(true));
        // Points i = 2..21 fall in the ten hours before 2026-01-01 (two per hour, at i / 2 hours before).
        assertThat(follow("/api/restore-points?vmId=" + vmId + "&since=2025-12-31T14:00:00Z&until=2026-01-01T00:00:00Z"))
                .hasSize(20);
        List<Map<String, Object>> failedRuns = follow("/api/runs?vmId=" + vmId + "&status=FAILED&limit=1000");
        assertThat(failedRuns).hasSize(POINTS / 7).allSatisfy(r -> assertThat(r.get("status")).isEqualTo("FAILED"));
        assertThat(failedRuns.get(0)).doesNotContainKeys("phaseMillis", "progress");
        assertNewestFirst(failedRuns);
    }

    /** Finished recoveries only: a running one would hold its (made-up) point against other tests' retention. */
    @Test
    void instantRecoveriesArePagedNewestFirstAndFilteredByState() {
        String prefix = "paging-ir-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        QuarkusTransaction.requiringNew().run(() -> RestorePoint.getEntityManager().createNativeQuery("""
                INSERT INTO instant_recovery (id, restore_point_id, host_id, name, state, node, created_at, finished_at)
                SELECT gen_random_uuid(), gen_random_uuid(), ?1, ?2 || i, CASE WHEN i % 2 = 0 THEN 'FINALIZED' ELSE 'DISCARDED' END,
                    'paging-test', timestamptz '2020-01-01 00:00:00+00' + i * interval '1 minute', timestamptz '2020-01-02 00:00:00+00'
                FROM generate_series(1, 7) i""").setParameter(1, UUID.fromString(hostId)).setParameter(2, prefix).executeUpdate());

        List<Map<String, Object>> discarded = follow("/api/instant-recoveries?state=DISCARDED&limit=2").stream()
                .filter(r -> ((String) r.get("name")).startsWith(prefix)).toList();

        assertThat(discarded).extracting(r -> r.get("name")).containsExactly(prefix + 7, prefix + 5, prefix + 3, prefix + 1);
        assertThat(discarded).allSatisfy(r -> assertThat(r.get("state")).isEqualTo("DISCARDED"));
        json().get("/api/instant-recoveries?state=GONE").then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("state"));
        json().get("/api/instant-recoveries?after=yesterday").then().statusCode(400).body("errors[0].field", equalTo("after"));
    }

    @Test
    void badPagingIsA400NamingTheParameter() {
        for (String limit : List.of("0", "1001", "many")) {
            json().get("/api/restore-points?limit=" + limit).then().statusCode(400)
                    .contentType("application/problem+json").body("errors[0].field", equalTo("limit"));
        }
        for (String list : List.of("/api/restore-points", "/api/runs", "/api/restores", "/api/audit")) {
            json().get(list + "?after=yesterday").then().statusCode(400).body("errors[0].field", equalTo("after"));
        }
        json().get("/api/runs?status=DONE").then().statusCode(400).body("errors[0].field", equalTo("status"));
        json().get("/api/restore-points?since=today").then().statusCode(400).body("errors[0].field", equalTo("since"));
        json().get("/api/restore-points?consistency=great").then().statusCode(400)
                .body("errors[0].field", equalTo("consistency"));
        json().get("/api/jobs/{id}/runs", UUID.randomUUID()).then().statusCode(404);
    }

    @Test
    void everyVmIsListedWithItsNewestPointAndWhenItsStateWasSeen() {
        Map<String, Object> vm = json().get("/api/vms").then().statusCode(200).extract().jsonPath()
                .<Map<String, Object>>getList("$").stream().filter(v -> v.get("id").equals(vmId)).findFirst().orElseThrow();
        assertThat(Instant.parse((String) vm.get("lastRestorePointAt"))).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(vm.get("stateObservedAt")).isNotNull();
        assertThat(vm.get("stateStale")).isEqualTo(false);
    }

    @Test
    void listQueriesUseAnIndex() {
        Instant cursor = Instant.parse("2025-10-01T00:00:00Z");
        List<String> queries = List.of(
                "SELECT * FROM restore_point WHERE vm_id = '" + vmId + "' ORDER BY created_at DESC, id DESC LIMIT 101",
                "SELECT * FROM restore_point WHERE vm_id = '" + vmId + "' AND created_at <= '" + cursor + "' AND (created_at < '"
                        + cursor + "' OR id < '" + UUID.randomUUID() + "') ORDER BY created_at DESC, id DESC LIMIT 101",
                "SELECT * FROM restore_point WHERE vm_id = '" + vmId + "' AND consistency = 'crash'"
                        + " ORDER BY created_at DESC, id DESC LIMIT 101",
                "SELECT * FROM restore_point ORDER BY created_at DESC, id DESC LIMIT 101",
                "SELECT * FROM backup_run WHERE vm_id = '" + vmId + "' ORDER BY created_at DESC, id DESC LIMIT 101",
                "SELECT * FROM backup_run WHERE status = 'FAILED' ORDER BY created_at DESC, id DESC LIMIT 101",
                "SELECT * FROM backup_run ORDER BY created_at DESC, id DESC LIMIT 101",
                "SELECT max(created_at) FROM restore_point WHERE vm_id = '" + vmId + "'");
        for (String query : queries) {
            String plan = QuarkusTransaction.requiringNew().call(() -> String.join("\n", RestorePoint.getEntityManager()
                    .createNativeQuery("EXPLAIN " + query).getResultList().stream().map(Object::toString).toList()));
            assertThat(plan).as(query).contains("Index").doesNotContain("Seq Scan on restore_point")
                    .doesNotContain("Seq Scan on backup_run");
        }
    }

    private static List<Map<String, Object>> follow(String path) {
        List<Map<String, Object>> all = new ArrayList<>();
        Set<String> visited = new HashSet<>();
        String next = path;
        while (next != null) {
            assertThat(visited.add(next)).as("a next link leads on, not back").isTrue();
            Response page = json().urlEncodingEnabled(false).get(next).then().statusCode(200).extract().response();
            all.addAll(page.jsonPath().getList("$"));
            next = next(page);
        }
        return all;
    }

    private static String next(Response page) {
        String link = page.header("Link");
        if (link == null) {
            return null;
        }
        Matcher matcher = NEXT.matcher(link);
        assertThat(matcher.find()).as(link).isTrue();
        return matcher.group(1);
    }

    private static void assertNewestFirst(List<Map<String, Object>> items) {
        for (int i = 1; i < items.size(); i++) {
            Instant before = Instant.parse((String) items.get(i - 1).get("createdAt"));
            Instant after = Instant.parse((String) items.get(i).get("createdAt"));
            assertThat(after).isBeforeOrEqualTo(before);
            if (after.equals(before)) {
                assertThat(((String) items.get(i).get("id"))).isLessThan((String) items.get(i - 1).get("id"));
            }
        }
    }
}
