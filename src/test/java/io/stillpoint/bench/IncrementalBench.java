package io.stillpoint.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.stillpoint.it.ServerProcess;
import io.stillpoint.testing.QemuLab;
import io.stillpoint.testing.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What an incremental backup costs, through the packaged server: a real QEMU guest with an 8 GiB qcow2
 * disk holding 4 GiB of data, backed up in {@code pause} mode to a repository on each given file system
 * (XFS with reflink, then ext4): the full backup, a backup after 64 MiB written at four random offsets,
 * and a backup with no writes. For each it prints the wall time from the request to SUCCEEDED, the
 * guest's downtime, the bytes read from the snapshot, and the bytes physically added to the repository's
 * file system (free space before and after, so each repository needs a file system of its own). Run it
 * with {@code src/test/bench/incremental-bench.sh}, which makes the file systems.
 *
 * <p>Arguments: a work folder on a roomy file system (the guest and the server's home), then one or more
 * {@code label=mount point} of the repositories' file systems.
 */
public final class IncrementalBench {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private static final long DISK = 8 * GIB;
    private static final long DATA = 4 * GIB;
    private static final long CHANGE = 64 * MIB;

    private IncrementalBench() {}

    private record Step(String name, double seconds, long downtimeMillis, long bytesRead, long bytesWritten,
            long added, String changeTracking, String reason) {}

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory(Files.createDirectories(Path.of(args[0])), "stillpoint-incr-bench-");
        Map<String, Path> fileSystems = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            String[] labelled = args[i].split("=", 2);
            fileSystems.put(labelled[0], Path.of(labelled[1]));
        }
        System.out.printf("incremental backup benchmark: 8 GiB qcow2 disk, 4 GiB data, pause mode; work dir %s%n", work);
        System.out.println(QemuLab.exec(List.of("qemu-system-x86_64", "--version")).lines().findFirst().orElse(""));
        Map<String, List<Step>> results = new LinkedHashMap<>();
        List<Long> downtimes = new ArrayList<>();
        try (QemuLab lab = new QemuLab(work.resolve("lab"))) {
            QemuLab.Guest guest = lab.start("bench", 256, DISK);
            long chunk = 256 * MIB;
            for (long offset = 0; offset < DATA; offset += chunk) {
                lab.write(guest, 0, 0x30 + (int) (offset / chunk), offset, chunk);
            }
            Path home = work.resolve("home");
            try (ServerProcess server = ServerProcess.start(home, work.resolve("server.log"),
                    Map.of("STILLPOINT_DEMO_ENABLED", "false"))) {
                String host = server.post("/api/hosts", Map.of("name", "kvm", "type", "qemu")).get("id").asText();
                String vm = server.post("/api/hosts/" + host + "/vms", Map.of("qmpSocket", guest.qmpSocket().toString(),
                        "pidFile", guest.pidFile().toString())).get("id").asText();
                Random random = new Random(13);
                int pattern = 0x70;
                for (Map.Entry<String, Path> fs : fileSystems.entrySet()) {
                    Path mount = fs.getValue();
                    String repository = server.post("/api/repositories",
                            Map.of("name", fs.getKey(), "path", mount.resolve("repository").toString())).get("id").asText();
                    JsonNode described = server.get("/api/repositories/" + repository);
                    System.out.printf("%n%s repository at %s: blockClone=%s%n", fs.getKey(), mount,
                            described.path("blockClone").asText("?"));
                    List<Step> steps = new ArrayList<>();
                    steps.add(backup(server, vm, repository, mount, "full"));
                    for (int write = 0; write < 4; write++) {
                        long slot = (DATA - 16 * MIB) / MIB;
                        long offset = (long) (random.nextDouble() * slot) * MIB;
                        lab.write(guest, 0, pattern++, offset, CHANGE / 4);
                    }
                    steps.add(backup(server, vm, repository, mount, "64 MiB written"));
                    steps.add(backup(server, vm, repository, mount, "no writes"));
                    steps.forEach(s -> downtimes.add(s.downtimeMillis()));
                    results.put(fs.getKey(), steps);
                }
            }
        } finally {
            TestFiles.deleteTree(work);
        }
        report(results, downtimes);
    }

    private static Step backup(ServerProcess server, String vm, String repository, Path mount, String name) throws Exception {
        long freeBefore = free(mount);
        long started = System.nanoTime();
        String run = server.post("/api/vms/" + vm + "/backup", Map.of("mode", "pause", "repositoryId", repository))
                .get("id").asText();
        JsonNode done = awaitEnd(server, run);
        double seconds = (System.nanoTime() - started) / 1e9;
        if (!"SUCCEEDED".equals(done.path("status").asText())) {
            throw new IllegalStateException("run " + run + " ended " + done.path("status").asText() + ": " + done.path("error").asText());
        }
        long added = freeBefore - free(mount);
        return new Step(name, seconds, done.path("downtimeMillis").asLong(), done.path("bytesRead").asLong(),
                done.path("bytesWritten").asLong(), added, done.path("changeTracking").asText(),
                done.path("changeTrackingReason").asText(""));
    }

    /** Polls often: the wall time is measured to the poll that sees the end. */
    private static JsonNode awaitEnd(ServerProcess server, String run) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(10));
        while (Instant.now().isBefore(deadline)) {
            JsonNode state = server.get("/api/runs/" + run);
            String status = state.path("status").asText();
            if (!status.equals("QUEUED") && !status.equals("RUNNING")) {
                return state;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("run " + run + " did not end within 10 minutes");
    }

    /** Free bytes after the file system has written everything out, so delayed allocation is counted. */
    private static long free(Path mount) throws Exception {
        QemuLab.exec(List.of("sync", "-f", mount.toString()));
        return Files.getFileStore(mount).getUnallocatedSpace();
    }

    private static void report(Map<String, List<Step>> results, List<Long> downtimes) {
        for (Map.Entry<String, List<Step>> fs : results.entrySet()) {
            System.out.printf("%n== repository on %s ==%n", fs.getKey());
            System.out.printf("%-16s %9s %10s %12s %14s %14s  %s%n", "backup", "wall (s)", "downtime", "read (MiB)",
                    "written (MiB)", "added (MiB)", "change tracking");
            for (Step s : fs.getValue()) {
                System.out.printf("%-16s %9.2f %8d ms %12.1f %14.1f %14.1f  %s%s%n", s.name(), s.seconds(), s.downtimeMillis(),
                        s.bytesRead() / (double) MIB, s.bytesWritten() / (double) MIB, s.added() / (double) MIB,
                        s.changeTracking(), s.reason().isEmpty() ? "" : " (" + s.reason() + ")");
            }
            Step full = fs.getValue().get(0);
            Step changed = fs.getValue().get(1);
            Step unchanged = fs.getValue().get(2);
            System.out.printf("64 MiB backup: %.1f %% of the full's time (target <= 15 %%), added %.2f x the changed bytes (target <= 1.3)%n",
                    100 * changed.seconds() / full.seconds(), changed.added() / (double) CHANGE);
            System.out.printf("unchanged backup: %.1f %% of the full's time (target <= 10 %%), added %.1f MiB (target <= 4)%n",
                    100 * unchanged.seconds() / full.seconds(), unchanged.added() / (double) MIB);
        }
        List<Long> sorted = new ArrayList<>(downtimes);
        Collections.sort(sorted);
        System.out.printf("%npause downtime over all %d backups: median %d ms (target <= 25), max %d ms%n", sorted.size(),
                sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1));
    }
}
