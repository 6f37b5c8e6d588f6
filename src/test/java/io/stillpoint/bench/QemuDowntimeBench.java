package io.stillpoint.bench;

import io.stillpoint.testing.TestFiles;
import io.stillpoint.copy.CancellationSignal;
import io.stillpoint.copy.CopyListener;
import io.stillpoint.copy.CopyOptions;
import io.stillpoint.copy.TreeCopier;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.qemu.PauseWindow;
import io.stillpoint.host.qemu.QemuDeadlines;
import io.stillpoint.host.qemu.QemuGuestHold;
import io.stillpoint.host.qemu.QemuHypervisor;
import io.stillpoint.testing.QemuLab;
import io.stillpoint.writer.PreparedSnapshot;
import io.stillpoint.writer.Snapshot;
import io.stillpoint.writer.qemu.QemuSnapshotWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Guest downtime of pause-mode snapshots of a real QEMU guest with a 1 GiB and with an 8 GiB qcow2 disk,
 * half written, and the throughput of copying the snapshot's view (Stillpoint's copier, with its
 * checksums and fsync) against {@code qemu-img convert} and {@code cp --sparse=always} of the same image,
 * in the same runs. Run it with {@code src/test/bench/qemu-downtime.sh}.
 *
 * <p>Downtime is reported three ways: QEMU's own {@code STOP} to {@code RESUME} event timestamps, the
 * hold's measure (from sending {@code stop} to {@code cont}'s answer), and the wall clock around hold,
 * snapshot and resume as the backup pipeline times it.
 */
public final class QemuDowntimeBench {

    private static final long GIB = 1L << 30;

    private QemuDowntimeBench() {}

    public static void main(String[] args) throws Exception {
        // A fresh folder of its own: the parent may be shared, and only what the benchmark made is removed.
        Path parent = Files.createDirectories(Path.of(args.length > 0 ? args[0] : System.getProperty("java.io.tmpdir")));
        Path work = Files.createTempDirectory(parent, "stillpoint-qemu-bench-");
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        System.out.printf("QEMU downtime benchmark: %d runs per disk size (+1 warm-up), work dir %s%n", runs, work);
        System.out.println(QemuLab.exec(List.of("qemu-system-x86_64", "--version")).lines().findFirst().orElse(""));
        Map<String, Map<String, List<Double>>> results = new LinkedHashMap<>();
        try (QemuLab lab = new QemuLab(work)) {
            for (long size : new long[] {GIB, 8 * GIB}) {
                results.put(size / GIB + " GiB", measure(lab, work, size, runs));
            }
        } finally {
            TestFiles.deleteTree(work);
        }
        report(results);
    }

    private static Map<String, List<Double>> measure(QemuLab lab, Path work, long size, int runs) throws Exception {
        String name = "bench" + size / GIB;
        QemuLab.Guest guest = lab.start(name, 256, size);
        // Half the disk holds data, written through QEMU as a guest would (qemu-io on the device).
        long chunk = 256L << 20;
        for (long offset = 0; offset < size / 2; offset += chunk) {
            lab.write(guest, 0, 0x5a + (int) (offset / chunk) % 16, offset, chunk);
        }
        QemuHypervisor host = new QemuHypervisor("bench", work.resolve("host-" + name), QemuDeadlines.defaults());
        host.register(Map.of("qmpSocket", guest.qmpSocket().toString()));
        QemuSnapshotWriter writer = new QemuSnapshotWriter();
        Map<String, List<Double>> samples = new LinkedHashMap<>();
        for (int run = 0; run <= runs; run++) {
            Path scratch = Files.createDirectories(work.resolve("scratch"));
            PreparedSnapshot prepared = writer.prepare(host, host.guest(name), scratch);
            long heldAt = System.nanoTime();
            QemuGuestHold hold = (QemuGuestHold) host.hold(name, HoldMode.PAUSE);
            Snapshot snapshot;
            try (prepared; hold) {
                snapshot = prepared.create();
            }
            long wall = System.nanoTime() - heldAt;
            PauseWindow window = hold.pauseWindow().orElseThrow();
            try (snapshot) {
                Path view = snapshot.view().root();
                Path image = view.resolve(guest.disks().get(0).getFileName().toString());
                long bytes = Files.size(image);
                // Rotate the order so that no copier always meets a warmer page cache than the others.
                List<String> order = new ArrayList<>(List.of("stillpoint", "qemu-img", "cp"));
                Collections.rotate(order, run);
                Map<String, Double> mibs = new LinkedHashMap<>();
                for (String copier : order) {
                    Path target = work.resolve("copy-" + copier);
                    TestFiles.deleteTree(target);
                    Files.createDirectories(target);
                    long started = System.nanoTime();
                    switch (copier) {
                        case "stillpoint" -> new TreeCopier(new CopyOptions(0, true)).copy(view, target,
                                CopyListener.NONE, new CancellationSignal());
                        case "qemu-img" -> {
                            Path out = target.resolve(image.getFileName());
                            QemuLab.exec(List.of("qemu-img", "convert", "-O", "qcow2", image.toString(), out.toString()));
                            QemuLab.exec(List.of("sync", out.toString()));
                        }
                        default -> {
                            Path out = target.resolve(image.getFileName());
                            QemuLab.exec(List.of("cp", "--sparse=always", image.toString(), out.toString()));
                            QemuLab.exec(List.of("sync", out.toString()));
                        }
                    }
                    double seconds = (System.nanoTime() - started) / 1e9;
                    mibs.put(copier, bytes / (double) (1 << 20) / seconds);
                    TestFiles.deleteTree(target);
                }
                if (run == 0) {
                    continue;
                }
                add(samples, "downtime, QEMU STOP->RESUME events (ms)", window.byQemu().toNanos() / 1e6);
                add(samples, "downtime, hold's measure: stop sent -> cont answered (ms)", window.measuredNanos() / 1e6);
                add(samples, "downtime, pipeline clock: hold+snapshot+resume (ms)", wall / 1e6);
                add(samples, "copy of the view, Stillpoint copier (MiB/s)", mibs.get("stillpoint"));
                add(samples, "qemu-img convert -O qcow2 (MiB/s)", mibs.get("qemu-img"));
                add(samples, "cp --sparse=always (MiB/s)", mibs.get("cp"));
                add(samples, "image bytes copied (MiB)", bytes / (double) (1 << 20));
            } finally {
                TestFiles.deleteTree(scratch);
            }
        }
        host.close();
        return samples;
    }

    private static void add(Map<String, List<Double>> samples, String key, double value) {
        samples.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }

    private static void report(Map<String, Map<String, List<Double>>> results) {
        for (var size : results.entrySet()) {
            System.out.printf("%n== disk %s (half written) ==%n", size.getKey());
            System.out.printf("%-58s %9s %9s %9s   %s%n", "", "median", "p95", "max", "samples");
            for (var metric : size.getValue().entrySet()) {
                List<Double> sorted = new ArrayList<>(metric.getValue());
                Collections.sort(sorted);
                System.out.printf("%-58s %9.2f %9.2f %9.2f   %s%n", metric.getKey(), median(sorted), p95(sorted),
                        sorted.get(sorted.size() - 1), metric.getValue().stream().map(v -> String.format("%.2f", v)).toList());
            }
        }
        var small = results.get("1 GiB");
        var large = results.get("8 GiB");
        String events = "downtime, QEMU STOP->RESUME events (ms)";
        String held = "downtime, hold's measure: stop sent -> cont answered (ms)";
        System.out.printf("%nratios%n");
        System.out.printf("8 GiB / 1 GiB median downtime, QEMU events: %.2f%n", median(large.get(events)) / median(small.get(events)));
        System.out.printf("8 GiB / 1 GiB median downtime, hold's measure: %.2f%n", median(large.get(held)) / median(small.get(held)));
        for (var size : results.entrySet()) {
            var m = size.getValue();
            double stillpoint = median(m.get("copy of the view, Stillpoint copier (MiB/s)"));
            System.out.printf("%s: Stillpoint copier / cp --sparse=always throughput: %.2f; / qemu-img convert: %.2f%n",
                    size.getKey(), stillpoint / median(m.get("cp --sparse=always (MiB/s)")),
                    stillpoint / median(m.get("qemu-img convert -O qcow2 (MiB/s)")));
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Nearest rank; with five samples it is the largest. */
    private static double p95(List<Double> sorted) {
        return sorted.get((int) Math.ceil(0.95 * sorted.size()) - 1);
    }
}
