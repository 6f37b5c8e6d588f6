package io.stillpoint.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.stillpoint.it.ServerProcess;
import io.stillpoint.testing.LibvirtLab;
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
 * The libvirt host beside the qemu host, through the packaged server, on the same disk contents in the same
 * run: a libvirt domain and a QEMU guest registered over QMP, each with an 8 GiB qcow2 disk holding the same
 * 4 GiB, backed up in {@code pause} mode to repositories on one XFS file system (reflink). For each: the
 * wall time of the full backup, of one after the same 64 MiB written at the same four offsets, and of one
 * with no writes; then the guest's downtime over five more backups after a warm-up (median and p95). Run it
 * with {@code src/test/bench/libvirt-bench.sh}, which makes the file system.
 *
 * <p>Arguments: a work folder readable by libvirt's QEMU (the disks and the server's home), then the XFS
 * mount point.
 */
public final class LibvirtBench {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private static final long DISK = 8 * GIB;
    private static final long DATA = 4 * GIB;
    private static final long CHUNK = 256 * MIB;
    private static final long CHANGE = 64 * MIB;
    private static final int DOWNTIME_RUNS = 5;

    private LibvirtBench() {}

    private record Result(double full, double changed, double unchanged, String tracking, List<Long> downtimes,
            String unchangedPhases) {}

    /** Writes into one guest's first disk through QEMU's block layer. */
    private interface Guest {
        void write(int pattern, long offset, long length) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory(Files.createDirectories(Path.of(args[0])), "stillpoint-libvirt-bench-");
        Path xfs = Path.of(args[1]);
        System.out.printf("libvirt benchmark: 8 GiB qcow2 disk, 4 GiB data, pause mode, XFS repository; work dir %s%n",
                work);
        System.out.println(QemuLab.exec(List.of("qemu-system-x86_64", "--version")).lines().findFirst().orElse(""));
        System.out.println(LibvirtLab.virsh("version").lines().filter(l -> l.contains("libvirt")).findFirst().orElse(""));
        Map<String, Result> results = new LinkedHashMap<>();
        try (QemuLab qemuLab = new QemuLab(work.resolve("qemu")); LibvirtLab libvirtLab = new LibvirtLab()) {
            QemuLab.Guest qemuGuest = qemuLab.start("bench", 256, DISK);
            LibvirtLab.Domain domain = libvirtLab.define("bench", false, 256, DISK / MIB, "");
            for (long offset = 0; offset < DATA; offset += CHUNK) {
                int pattern = 0x30 + (int) (offset / CHUNK);
                qemuLab.write(qemuGuest, 0, pattern, offset, CHUNK);
                QemuLab.exec(List.of("qemu-io", "-f", "qcow2", "-c", "write -P " + pattern + " " + offset + " " + CHUNK,
                        domain.disks().get(0).toString()));
            }
            libvirtLab.start(domain);
            Path home = work.resolve("home");
            try (ServerProcess server = ServerProcess.start(home, work.resolve("server.log"),
                    Map.of("STILLPOINT_DEMO_ENABLED", "false"))) {
                String qemuHost = server.post("/api/hosts", Map.of("name", "kvm", "type", "qemu")).get("id").asText();
                String qemuVm = server.post("/api/hosts/" + qemuHost + "/vms", Map.of("qmpSocket",
                        qemuGuest.qmpSocket().toString(), "pidFile", qemuGuest.pidFile().toString())).get("id").asText();
                String libvirtHost = server.post("/api/hosts", Map.of("name", "lv", "type", "libvirt", "settings",
                        Map.of("uri", LibvirtLab.URI, "root", work.resolve("libvirt-host").toString()))).get("id").asText();
                String libvirtVm = null;
                for (JsonNode vm : server.get("/api/vms?hostId=" + libvirtHost)) {
                    if (vm.path("name").asText().equals(domain.name())) {
                        libvirtVm = vm.path("id").asText();
                    }
                }
                long[] offsets = new long[4];
                Random random = new Random(13);
                for (int i = 0; i < offsets.length; i++) {
                    offsets[i] = (long) (random.nextDouble() * ((DATA - 16 * MIB) / MIB)) * MIB;
                }
                results.put("qemu", measure(server, qemuVm, repository(server, "qemu", xfs), offsets,
                        (pattern, offset, length) -> qemuLab.write(qemuGuest, 0, pattern, offset, length)));
                results.put("libvirt", measure(server, libvirtVm, repository(server, "libvirt", xfs), offsets,
                        (pattern, offset, length) -> LibvirtLab.virsh("qemu-monitor-command", domain.uuid(), "--hmp",
                                "qemu-io -d /machine/peripheral/virtio-disk0/virtio-backend \"write -P " + pattern + " "
                                        + offset + " " + length + "\"")));
            } finally {
                for (String checkpoint : LibvirtLab.virsh("checkpoint-list", domain.uuid(), "--name").strip()
                        .split("\\s+")) {
                    if (!checkpoint.isBlank()) {
                        LibvirtLab.virsh("checkpoint-delete", domain.uuid(), checkpoint);
                    }
                }
            }
        } finally {
            TestFiles.deleteTree(work);
        }
        report(results);
    }

    private static String repository(ServerProcess server, String name, Path xfs) throws Exception {
        return server.post("/api/repositories", Map.of("name", name, "path", xfs.resolve(name).toString()))
                .get("id").asText();
    }

    private static Result measure(ServerProcess server, String vm, String repository, long[] offsets, Guest guest)
            throws Exception {
        double full = backup(server, vm, repository).path("seconds").asDouble();
        int pattern = 0x70;
        for (long offset : offsets) {
            guest.write(pattern++, offset, CHANGE / offsets.length);
        }
        JsonNode changed = backup(server, vm, repository);
        JsonNode unchanged = backup(server, vm, repository);
        backup(server, vm, repository);
        List<Long> downtimes = new ArrayList<>();
        for (int i = 0; i < DOWNTIME_RUNS; i++) {
            downtimes.add(backup(server, vm, repository).path("downtimeMillis").asLong());
        }
        return new Result(full, changed.path("seconds").asDouble(), unchanged.path("seconds").asDouble(),
                changed.path("changeTracking").asText() + " " + changed.path("changeTrackingReason").asText(""),
                downtimes, unchanged.path("phaseMillis").toString());
    }

    /** The run as the server ended it, with {@code seconds} from the request to the poll that saw it end. */
    private static JsonNode backup(ServerProcess server, String vm, String repository) throws Exception {
        long started = System.nanoTime();
        String run = server.post("/api/vms/" + vm + "/backup", Map.of("mode", "pause", "repositoryId", repository))
                .get("id").asText();
        Instant deadline = Instant.now().plus(Duration.ofMinutes(10));
        while (Instant.now().isBefore(deadline)) {
            JsonNode state = server.get("/api/runs/" + run);
            String status = state.path("status").asText();
            if (status.equals("SUCCEEDED")) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) state).put("seconds",
                        (System.nanoTime() - started) / 1e9);
                return state;
            }
            if (!status.equals("QUEUED") && !status.equals("RUNNING")) {
                throw new IllegalStateException("run " + run + " ended " + status + ": " + state.path("error").asText());
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("run " + run + " did not end within 10 minutes");
    }

    private static void report(Map<String, Result> results) {
        System.out.printf("%n%-8s %10s %14s %14s %16s %14s  %s%n", "host", "full (s)", "64 MiB (s)", "unchanged (s)",
                "downtime median", "downtime p95", "64 MiB run's change tracking");
        for (Map.Entry<String, Result> entry : results.entrySet()) {
            Result r = entry.getValue();
            List<Long> sorted = new ArrayList<>(r.downtimes());
            Collections.sort(sorted);
            System.out.printf("%-8s %10.2f %14.2f %14.2f %13d ms %11d ms  %s   (downtimes %s)%n", entry.getKey(), r.full(),
                    r.changed(), r.unchanged(), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1),
                    r.tracking(), r.downtimes());
        }
        System.out.println();
        results.forEach((host, r) -> System.out.printf("%-8s unchanged run's phases (ms): %s%n", host, r.unchangedPhases()));
        Result qemu = results.get("qemu");
        Result libvirt = results.get("libvirt");
        List<Long> sorted = new ArrayList<>(libvirt.downtimes());
        Collections.sort(sorted);
        System.out.printf("%nlibvirt / qemu: full %.2f x, 64 MiB %.2f x (target <= 1.5), unchanged %.2f x (target <= 1.5);"
                + " libvirt downtime median %d ms (target <= 30)%n", libvirt.full() / qemu.full(),
                libvirt.changed() / qemu.changed(), libvirt.unchanged() / qemu.unchanged(), sorted.get(sorted.size() / 2));
    }
}
