package io.stillpoint.boottest;

import io.stillpoint.testing.LinuxGuestImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The boot test's wall time for the real Linux guest: a restore point folder holding the guest's disk and
 * launch.json, booted in the sandbox QEMU as the server does (overlay, TCG, agent ping), for each CPU model
 * asked for. Prints each run, the medians and the ratio to the first model. Run by
 * {@code src/test/bench/boot-test-bench.sh}.
 */
public final class BootTestBench {

    private BootTestBench() {}

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        List<String> models = args.length > 1 ? List.of(args[1].split(",")) : List.of("max", "qemu64");
        Path work = Files.createTempDirectory(Path.of("/tmp"), "stillpoint-boot-bench-");
        try {
            Path files = Files.createDirectories(work.resolve("point/files"));
            Files.copy(LinuxGuestImage.bootDisk(), files.resolve("disk0.qcow2"));
            Files.writeString(files.resolve("launch.json"), "{\"memoryBytes\": 268435456, \"disks\": [{\"node\": \"vd0\","
                    + " \"format\": \"qcow2\", \"file\": \"${DIR}/disk0.qcow2\"}], \"commandLine\": [\"qemu-system-x86_64\"]}");
            List<Long> firstMedian = new ArrayList<>();
            System.out.printf("boot test of the real Linux guest (TCG, 1 vCPU, 256 MiB), %d runs per CPU model%n", runs);
            for (String model : models) {
                List<Long> wall = new ArrayList<>();
                List<Long> boot = new ArrayList<>();
                for (int i = 0; i < runs; i++) {
                    Path dir = Files.createDirectory(work.resolve(model + "-" + i));
                    QemuSandbox sandbox = new QemuSandbox(Path.of("/usr/bin/qemu-system-x86_64"), Path.of("/usr/bin/qemu-img"),
                            config(model));
                    long started = System.nanoTime();
                    Sandbox.Verdict verdict = sandbox.run(new Sandbox.Request(files, "bench", 256L << 20, List.of(), null,
                            Duration.ofMinutes(5), dir, dir.resolve("screen.png"), dir.resolve("serial.log"), pid -> { },
                            () -> false));
                    long millis = (System.nanoTime() - started) / 1_000_000;
                    if (!verdict.passed()) {
                        throw new IllegalStateException("the boot test failed: " + verdict.evidence());
                    }
                    wall.add(millis);
                    boot.add(verdict.bootMillis());
                    System.out.printf("  -cpu %-8s run %d: wall %6d ms (guest agent up after %6d ms)%n", model, i + 1, millis,
                            verdict.bootMillis());
                }
                long median = median(wall);
                if (firstMedian.isEmpty()) {
                    firstMedian.add(median);
                }
                System.out.printf("-cpu %-8s median wall %6d ms, median to agent %6d ms, %.2fx the first model's wall%n",
                        model, median, median(boot), (double) median / firstMedian.get(0));
            }
        } finally {
            try (Stream<Path> all = Files.walk(work)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static BootTestConfig config(String model) {
        return new BootTestConfig() {
            public long memoryMib() { return 256; }
            public int cpus() { return 1; }
            public Duration timeout() { return Duration.ofMinutes(5); }
            public int maxConcurrent() { return 1; }
            public String accelerator() { return "tcg"; }
            public String cpuModel() { return model; }
            public String emulator() { return "qemu-system-x86_64"; }
            public Optional<String> serialPattern() { return Optional.empty(); }
            public String panicPattern() { return "Kernel panic - not syncing"; }
            public Optional<List<String>> checkCommand() { return Optional.empty(); }
            public Path workDir() { return Path.of("/tmp"); }
            public Path resultsDir() { return Path.of("/tmp"); }
        };
    }
}
