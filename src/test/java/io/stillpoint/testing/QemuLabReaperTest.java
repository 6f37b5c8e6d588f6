package io.stillpoint.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test JVM killed with SIGKILL (a CI timeout, an impatient developer) cannot close its labs; their QEMU
 * guests must die with it anyway, not keep running and slow every run after it.
 */
class QemuLabReaperTest {

    /** The JVM to kill: starts a lab with one guest in {@code args[0]}, says so, and waits to be killed. */
    public static void main(String[] args) throws Exception {
        QemuLab lab = new QemuLab(Path.of(args[0]));
        QemuLab.Guest guest = lab.start("orphan", 64, 1 << 20);
        System.out.println("started " + QemuLab.pid(guest));
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    @Test
    void theGuestsOfAKilledJvmDieWithIt(@TempDir Path work) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                QemuLabReaperTest.class.getName(), Files.createDirectories(work.resolve("lab")).toString()))
                .redirectErrorStream(true).start();
        long guest = -1;
        try {
            guest = startedGuest(child);
            assertThat(ProcessHandle.of(guest)).as("the guest runs while its JVM does").isPresent();

            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

            long qemu = guest;
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> assertThat(ProcessHandle.of(qemu).filter(ProcessHandle::isAlive))
                            .as("QEMU %d after its JVM was killed", qemu).isEmpty());
        } finally {
            child.destroyForcibly();
            // Only if the reaper failed: the test's own guest, named by the pid its JVM read from QEMU's pid file.
            if (guest > 0) {
                ProcessHandle.of(guest).filter(p -> p.info().command().orElse("").contains("qemu"))
                        .ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    @Test
    void aFolderIsMatchedLiterally() {
        assertThat(QemuLab.extendedRegex("/tmp/a.b+c[1]")).isEqualTo("/tmp/a\\.b\\+c\\[1\\]");
    }

    private static long startedGuest(Process child) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder said = new StringBuilder();
        for (String line; (line = out.readLine()) != null; ) {
            if (line.startsWith("started ")) {
                return Long.parseLong(line.substring("started ".length()).trim());
            }
            said.append(line).append('\n');
        }
        throw new AssertionError("the child JVM ended without starting its guest:\n" + said);
    }
}
