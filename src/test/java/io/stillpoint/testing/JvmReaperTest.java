package io.stillpoint.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test JVM killed with SIGKILL (a CI timeout, an impatient developer) cannot close its labs; their guests must
 * go with it anyway, not keep running and slow every run after it.
 */
class JvmReaperTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    /**
     * The JVM to kill: starts a QEMU lab guest ({@code qemu <folder>}) or a libvirt lab domain ({@code libvirt}),
     * says which, and waits to be killed.
     */
    public static void main(String[] args) throws Exception {
        if (args[0].equals("qemu")) {
            QemuLab lab = new QemuLab(Path.of(args[1]));
            System.out.println("started " + QemuLab.pid(lab.start("orphan", 64, 1 << 20)));
        } else {
            LibvirtLab lab = new LibvirtLab();
            LibvirtLab.Domain domain = lab.define("orphan", false, 32, 16, "");
            lab.start(domain);
            System.out.println("started " + domain.name() + " " + lab.root());
        }
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    @Test
    void theQemuGuestsOfAKilledJvmDieWithIt(@TempDir Path work) throws Exception {
        Process child = child("qemu", Files.createDirectories(work.resolve("lab")).toString());
        long guest = -1;
        try {
            guest = Long.parseLong(started(child).get(0));
            assertThat(ProcessHandle.of(guest)).as("the guest runs while its JVM does").isPresent();

            killed(child);

            long qemu = guest;
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200))
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
    void theLibvirtDomainsOfAKilledJvmAreDestroyedAndUndefinedWithTheirFolder() throws Exception {
        Process child = child("libvirt");
        String domain = null;
        try {
            List<String> started = started(child);
            domain = started.get(0);
            Path folder = Path.of(started.get(1));
            assertThat(LibvirtLab.virsh("domstate", domain).strip()).isEqualTo("running");

            killed(child);

            String name = domain;
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                assertThat(LibvirtLab.virsh("list", "--all", "--name")).as("libvirt's domains").doesNotContain(name);
                assertThat(folder).doesNotExist();
            });
        } finally {
            child.destroyForcibly();
            if (domain != null && LibvirtLab.virsh("list", "--all", "--name").contains(domain)) {
                LibvirtLab.virsh("destroy", domain);
                LibvirtLab.virsh("undefine", domain);
            }
        }
    }

    @Test
    void aFolderIsMatchedLiterallyAndQuotedAsOneWord() {
        assertThat(JvmReaper.extendedRegex("/tmp/a.b+c[1]")).isEqualTo("/tmp/a\\.b\\+c\\[1\\]");
        assertThat(JvmReaper.quoted("/tmp/it's here")).isEqualTo("'/tmp/it'\\''s here'");
    }

    private static Process child(String... args) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                JvmReaperTest.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static void killed(Process child) throws InterruptedException {
        child.destroyForcibly();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("the child JVM ended").isTrue();
    }

    /** The words after {@code started} in what the child says once its guest runs. */
    private static List<String> started(Process child) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder said = new StringBuilder();
        for (String line; (line = out.readLine()) != null; ) {
            if (line.startsWith("started ")) {
                return List.of(line.substring("started ".length()).trim().split(" "));
            }
            said.append(line).append('\n');
        }
        throw new AssertionError("the child JVM ended without starting its guest:\n" + said);
    }
}
