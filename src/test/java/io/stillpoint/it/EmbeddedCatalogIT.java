package io.stillpoint.it;

import io.stillpoint.testing.TestFiles;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged server's embedded PostgreSQL takes only its own password: another local user, or a
 * connection without the password or with a wrong one, is refused; there is no Unix socket; the
 * binaries run from the home, not the shared temporary folder; and a catalog made by an older version
 * (trusting every local connection) is upgraded at start with its data kept.
 */
class EmbeddedCatalogIT {

    /** A local user other than the server's, with no account at all. */
    private static final String STRANGER = "65533";

    Path home;
    Path log;

    @BeforeEach
    void freshHome() throws Exception {
        home = Files.createTempDirectory("stillpoint-catalog-it-");
        log = home.resolveSibling(home.getFileName() + ".log");
    }

    @AfterEach
    void removeHome() throws Exception {
        TestFiles.deleteTree(home);
    }

    @Test
    void onlyTheServerCanSignInToItsCatalog() throws Exception {
        try (ServerProcess server = ServerProcess.startUnprivileged(home, log, Map.of())) {
            assertThat(server.get("/api/vms")).extracting(vm -> vm.get("name").asText()).contains("web01");
            Path passwordFile = home.resolve("catalog.password");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile))).isEqualTo("rw-------");
            String password = Files.readString(passwordFile).trim();
            int port = port();

            assertThatThrownBy(() -> connect(port, null)).isInstanceOf(SQLException.class);
            assertThatThrownBy(() -> connect(port, "not-the-password")).isInstanceOf(SQLException.class)
                    .hasMessageContaining("password authentication failed");
            connect(port, password);

            Result overTcp = runAsStranger("psql", "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres",
                    "-w", "-d", "stillpoint", "-c", "UPDATE app_user SET role = 'admin'");
            assertThat(overTcp.exit()).isNotZero();
            assertThat(overTcp.output()).contains("password");
            for (String socketFolder : List.of("/tmp", "/var/run/postgresql", home.toString())) {
                assertThat(Path.of(socketFolder, ".s.PGSQL." + port)).doesNotExist();
            }

            Path postgres = Path.of("/proc", postmasterPid(), "exe").toRealPath();
            assertThat(postgres).startsWith(home.resolve("postgres-binaries"));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("postgres-binaries"))))
                    .isEqualTo("rwx------");
            assertThat(Files.readString(log)).doesNotContain(password);
            assertThat(server.stop()).isIn(0, 143);
        }
    }

    @Test
    void aCatalogThatTrustedEveryLocalUserIsUpgradedWithItsData() throws Exception {
        try (ServerProcess server = ServerProcess.startUnprivileged(home, log, Map.of())) {
            server.post("/api/users", Map.of("username", "kept-viewer", "password", "a-long-enough-password", "role", "viewer"));
            assertThat(server.stop()).isIn(0, 143);
        }
        makeItAsAnOlderVersionLeftIt();

        try (ServerProcess server = ServerProcess.startUnprivileged(home, log, Map.of())) {
            assertThat(server.get("/api/users")).extracting(u -> u.get("username").asText()).contains("kept-viewer");
            assertThat(Files.readString(home.resolve("pg/pg_hba.conf"))).doesNotContain("trust").contains("scram-sha-256");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("catalog.password"))))
                    .isEqualTo("rw-------");
            int port = port();
            assertThatThrownBy(() -> connect(port, null)).isInstanceOf(SQLException.class);
            assertThat(runAsStranger("psql", "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres", "-w",
                    "-d", "stillpoint", "-c", "SELECT 1").exit()).isNotZero();
            connect(port, Files.readString(home.resolve("catalog.password")).trim());
            assertThat(server.stop()).isIn(0, 143);
        }
    }

    /**
     * What earlier versions left: pg_hba.conf as zonky's initdb writes it (trust for every local
     * connection), a superuser without a password, and no password file.
     */
    private void makeItAsAnOlderVersionLeftIt() throws Exception {
        Path data = home.resolve("pg");
        Path postgres;
        try (Stream<Path> unpacked = Files.list(home.resolve("postgres-binaries"))) {
            postgres = unpacked.map(d -> d.resolve("bin/postgres")).filter(Files::isExecutable).findFirst().orElseThrow();
        }
        Result cleared = run(List.of("setpriv", "--reuid=" + ServerProcess.UNPRIVILEGED,
                "--regid=" + ServerProcess.UNPRIVILEGED_GROUP, "--clear-groups", postgres.toString(), "--single", "-D",
                data.toString(), "postgres"), "ALTER ROLE postgres PASSWORD NULL;\n");
        assertThat(cleared.exit()).isZero();
        assertThat(cleared.output()).doesNotContain("ERROR");
        Files.writeString(data.resolve("pg_hba.conf"), """
                local   all             all                                     trust
                host    all             all             127.0.0.1/32            trust
                host    all             all             ::1/128                 trust
                local   replication     all                                     trust
                host    replication     all             127.0.0.1/32            trust
                host    replication     all             ::1/128                 trust
                """);
        Files.delete(home.resolve("catalog.password"));
    }

    private int port() throws Exception {
        return Integer.parseInt(Files.readAllLines(home.resolve("pg/postmaster.pid")).get(3).trim());
    }

    private String postmasterPid() throws Exception {
        return Files.readAllLines(home.resolve("pg/postmaster.pid")).get(0).trim();
    }

    private static void connect(int port, String password) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", "postgres");
        if (password != null) {
            properties.setProperty("password", password);
        }
        DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/stillpoint", properties).close();
    }

    private static Result runAsStranger(String... command) throws Exception {
        List<String> full = new ArrayList<>(List.of("setpriv", "--reuid=" + STRANGER, "--regid=" + STRANGER, "--clear-groups"));
        full.addAll(List.of(command));
        return run(full, "");
    }

    private static Result run(List<String> command, String input) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (var in = process.getOutputStream()) {
            in.write(input.getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), output);
    }

    private record Result(int exit, String output) {}
}
