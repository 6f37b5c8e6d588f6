package io.stillpoint.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import io.stillpoint.testing.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * V7 on a catalog whose jobs hold regular expressions: those with an equivalent glob get it (and pick exactly
 * the names the expression picked), the others keep their expression aside and are disabled.
 */
class VmNamePatternMigrationTest {

    private static final List<String> NAMES = List.of("web01", "web02", "web", "db01", "db1x", "dbx1", "Web01",
            "web.01", "web-01", "web 01", "web*", "app01", "a", "", "mail.example.org", "db42", "x-web01");

    /** Regular expressions with a glob that picks the same names, and that glob. */
    private static final Map<String, String> CONVERTIBLE = new LinkedHashMap<>();
    /** Regular expressions no glob is equivalent to. */
    private static final List<String> KEPT = List.of("(web|db)[0-9]+", "web\\d+", "db[0-9]+", "(?i)web.*", "web0?1",
            "x{2}", "[a-z&&[def]]", ".*?", "web|db", ".{3}", "[a-z]+", "web\t01", "a".repeat(600));

    static {
        CONVERTIBLE.put("web01", "web01");
        CONVERTIBLE.put("web.*", "web*");
        CONVERTIBLE.put("^web.*$", "web*");
        CONVERTIBLE.put(".*01", "*01");
        CONVERTIBLE.put("db[0-9][0-9]", "db[0-9][0-9]");
        CONVERTIBLE.put("db[^0-9].*", "db[!0-9]*");
        CONVERTIBLE.put("web\\.01", "web.01");
        CONVERTIBLE.put("web.01", "web?01");
        CONVERTIBLE.put("web.+", "web?*");
        CONVERTIBLE.put("web\\*", "web\\*");
        CONVERTIBLE.put("web 0.", "web 0?");
        CONVERTIBLE.put(".*", "*");
    }

    @TempDir
    Path scratch;

    @Test
    void convertsRegularExpressionsThatHaveAGlobAndDisablesJobsWhoseExpressionHasNone() throws Exception {
        try (TestDatabase database = TestDatabase.create(scratch.resolve("pg"))) {
            Flyway flyway = Flyway.configure()
                    .dataSource(database.url(), database.user(), System.getenv("STILLPOINT_TEST_JDBC_PASSWORD"))
                    .locations("classpath:db/migration")
                    .target("6?")
                    .load();
            flyway.migrate();
            Map<UUID, String> jobs = new LinkedHashMap<>();
            try (Connection connection = connect(database)) {
                UUID repository = UUID.randomUUID();
                try (PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO backup_repository (id, name, path, created_at) VALUES (?, 'r', '/srv/r', now())")) {
                    insert.setObject(1, repository);
                    insert.executeUpdate();
                }
                for (String regex : CONVERTIBLE.keySet()) {
                    jobs.put(insertJob(connection, repository, regex), regex);
                }
                for (String regex : KEPT) {
                    jobs.put(insertJob(connection, repository, regex), regex);
                }
                jobs.put(insertJob(connection, repository, null), null);
            }

            Flyway.configure().dataSource(database.url(), database.user(), System.getenv("STILLPOINT_TEST_JDBC_PASSWORD"))
                    .locations("classpath:db/migration").load().migrate();

            try (Connection connection = connect(database);
                    PreparedStatement select = connection.prepareStatement(
                            "SELECT vm_name_pattern, legacy_vm_name_regex, enabled FROM backup_job WHERE id = ?")) {
                for (Map.Entry<UUID, String> job : jobs.entrySet()) {
                    select.setObject(1, job.getKey());
                    try (ResultSet row = select.executeQuery()) {
                        assertThat(row.next()).isTrue();
                        String regex = job.getValue();
                        String glob = row.getString(1);
                        String legacy = row.getString(2);
                        boolean enabled = row.getBoolean(3);
                        if (regex == null) {
                            assertThat(glob).isNull();
                            assertThat(legacy).isNull();
                            assertThat(enabled).isTrue();
                        } else if (CONVERTIBLE.containsKey(regex)) {
                            assertThat(glob).as(regex).isEqualTo(CONVERTIBLE.get(regex));
                            assertThat(legacy).as(regex).isNull();
                            assertThat(enabled).as(regex).isTrue();
                            for (String name : NAMES) {
                                assertThat(VmNameGlob.of(glob).matches(name)).as("%s / %s on '%s'", regex, glob, name)
                                        .isEqualTo(Pattern.compile(regex).matcher(name).matches());
                            }
                        } else {
                            assertThat(glob).as(regex).isNull();
                            assertThat(legacy).as(regex).isEqualTo(regex);
                            assertThat(enabled).as(regex).isFalse();
                        }
                    }
                }
            }
        }
    }

    private static Connection connect(TestDatabase database) throws SQLException {
        return DriverManager.getConnection(database.url(), database.user(), System.getenv("STILLPOINT_TEST_JDBC_PASSWORD"));
    }

    private static UUID insertJob(Connection connection, UUID repository, String regex) throws SQLException {
        UUID id = UUID.randomUUID();
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO backup_job (id, name, schedule,"
                + " time_zone, vm_ids, vm_name_pattern, mode, repository_id, retention, enabled, created_at, updated_at)"
                + " VALUES (?, ?, '0 0 2 * * ?', 'UTC', '[]'::jsonb, ?, 'auto', ?, '{\"keepLast\": 3}'::jsonb, true, ?, ?)")) {
            insert.setObject(1, id);
            insert.setString(2, "job-" + id);
            insert.setString(3, regex);
            insert.setObject(4, repository);
            insert.setObject(5, OffsetDateTime.now());
            insert.setObject(6, OffsetDateTime.now());
            insert.executeUpdate();
        }
        return id;
    }
}
