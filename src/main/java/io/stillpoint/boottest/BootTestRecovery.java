package io.stillpoint.boottest;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.config.NodeName;
import io.stillpoint.config.Periodic;
import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.fs.TrustedExecutables;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Ends, at start-up, the boot tests a crash of this node left running: each is recorded as failed
 * ("interrupted"), its sandbox QEMU is killed if it still runs and is provably the test's own (a process
 * of Stillpoint's user whose command line names the test's QMP socket in its work folder, by the path
 * Stillpoint gave it), and its work folder is removed if it carries the test's marker. Work folders of
 * tests the catalog does not show running are removed the same way; anything else there is left alone.
 */
@ApplicationScoped
public class BootTestRecovery {

    private static final Duration SWEEP = Duration.ofMinutes(10);
    private static final Logger LOG = Logger.getLogger(BootTestRecovery.class);

    private final BootTestConfig config;
    private final String node;

    BootTestRecovery(BootTestConfig config, NodeName node) {
        this.config = config;
        this.node = node.value();
    }

    private Periodic sweeper;

    void onStart(@Observes @Priority(60) StartupEvent start) {
        recover();
        sweepResults();
        sweeper = Periodic.every("boot-test-sweep", SWEEP, this::sweepResults);
    }

    @PreDestroy
    void stop() {
        if (sweeper != null) {
            sweeper.close();
        }
    }

    /**
     * Removes the screenshots and logs of restore points the catalog no longer has (retention, a deleted
     * repository): only result folders carrying the marker that names a point.
     */
    public void sweepResults() {
        if (!Files.isDirectory(config.resultsDir())) {
            return;
        }
        try {
            for (OwnedFolder.Entry entry : OwnedFolder.survey(config.resultsDir(), BootTestService.RESULTS_PURPOSE)) {
                if (entry.owned().isEmpty()) {
                    continue;
                }
                UUID pointId = entry.owned().get().ownership().id();
                if (QuarkusTransaction.requiringNew().call(() -> RestorePoint.byId(pointId).isEmpty())) {
                    entry.owned().get().delete();
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warnf("boot test results in %s stay for now: %s", config.resultsDir(), e.getMessage());
        }
    }

    /** @return the tests it marked as interrupted */
    public List<UUID> recover() {
        List<BootTest> left = QuarkusTransaction.requiringNew().call(() -> BootTest.runningOn(node));
        for (BootTest test : left) {
            Path work = realWorkDir().resolve(test.id.toString());
            boolean killed = test.sandboxPid != null && killIfOurs(test.sandboxPid, work);
            removeWorkFolder(test.id);
            QuarkusTransaction.requiringNew().run(() -> BootTest.byId(test.id).ifPresent(t -> {
                if (BootTest.RUNNING.equals(t.status)) {
                    t.status = BootTest.FAILED;
                    t.finishedAt = Instant.now();
                    t.evidence = "interrupted: the server stopped while the test ran"
                            + (killed ? "; its sandbox QEMU (pid " + test.sandboxPid + ") was stopped at the next start" : "");
                    t.sandboxPid = null;
                }
            }));
            LOG.warnf("boot test %s of restore point %s was interrupted by a stop of the server", test.id,
                    test.restorePointId);
        }
        Set<UUID> running = QuarkusTransaction.requiringNew().call(() -> BootTest.<BootTest>list("status", BootTest.RUNNING)
                .stream().map(t -> t.id).collect(Collectors.toSet()));
        if (Files.isDirectory(config.workDir())) {
            try {
                for (OwnedFolder.Entry entry : OwnedFolder.survey(config.workDir(), BootTestService.WORK_PURPOSE)) {
                    if (entry.owned().isPresent() && !running.contains(entry.owned().get().ownership().id())) {
                        entry.owned().get().delete();
                    }
                }
            } catch (IOException e) {
                LOG.warnf("boot test work folders in %s stay: %s", config.workDir(), e.getMessage());
            }
        }
        return left.stream().map(t -> t.id).toList();
    }

    /** The sandboxes were given paths under the work folder's real path. */
    private Path realWorkDir() {
        try {
            return config.workDir().toRealPath();
        } catch (IOException e) {
            return config.workDir();
        }
    }

    private void removeWorkFolder(UUID testId) {
        Path work = config.workDir().resolve(testId.toString());
        if (!Files.exists(work)) {
            return;
        }
        try {
            OwnedFolder.openEntry(config.workDir(), testId.toString(), BootTestService.WORK_PURPOSE, testId).delete();
        } catch (IOException | RuntimeException e) {
            LOG.warnf("the work folder %s of boot test %s stays: %s", work, testId, e.getMessage());
        }
    }

    /**
     * Kills {@code pid} only if it runs as Stillpoint's user and its command line has the QMP socket this
     * test's sandbox was given: a pid reused by another program, or another user's process, is left alone.
     */
    static boolean killIfOurs(long pid, Path work) {
        Path proc = Path.of("/proc", Long.toString(pid));
        try {
            long uid = ((Number) Files.getAttribute(proc, "unix:uid")).longValue();
            if (uid != TrustedExecutables.ownUid()) {
                return false;
            }
            String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
            String socket = "unix:" + work.resolve(QemuSandbox.QMP_SOCKET) + ",server=on,wait=off";
            if (!Arrays.asList(cmdline.split("\0")).contains(socket)) {
                return false;
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return ProcessHandle.of(pid).map(process -> {
            process.destroyForcibly();
            try {
                process.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                return false;
            }
            return true;
        }).orElse(false);
    }
}
