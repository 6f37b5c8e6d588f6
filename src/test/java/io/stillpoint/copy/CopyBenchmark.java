package io.stillpoint.copy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Compares {@link TreeCopier} with {@code cp -a --sparse=always} and {@code rsync -aHAX -S} on one
 * tree: a 2 GiB dense file, an 8 GiB sparse file holding 512 MiB in scattered 1 MiB extents, and
 * 2,000 small files (some hidden, some read-only) in nested directories. Runs are interleaved, each
 * starts from an absent target with source and target out of the page cache when the process may
 * drop caches, and each time includes a final {@code sync}. Run with {@code src/test/bench/copy-bench.sh}.
 *
 * <p>Arguments: {@code [directory, default /tmp/stillpoint-bench] [runs, default 5]}.
 */
public final class CopyBenchmark {

    private static final long MiB = 1 << 20;
    private static final long DENSE = 2048 * MiB;
    private static final long SPARSE_SIZE = 8192 * MiB;
    private static final int SPARSE_EXTENTS = 512;
    private static final int SMALL_FILES = 2000;

    private static long dataBytes;

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : "/tmp/stillpoint-bench");
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path source = root.resolve("source");
        Path target = root.resolve("target");
        buildSource(source);
        dataBytes = dataBytes(source);
        boolean dropCaches = Files.isWritable(Path.of("/proc/sys/vm/drop_caches"));
        System.out.printf("java %s, %d cpus, source %s: %.2f GiB of data in %,d entries, %.2f GiB allocated%n",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), source,
                dataBytes / (double) (1 << 30), entryCount(source), allocated(source) / (double) (1 << 30));
        System.out.println(dropCaches
                ? "cold runs: target deleted, sync, page cache dropped (echo 3 > /proc/sys/vm/drop_caches) before each run"
                : "WARM runs: /proc/sys/vm/drop_caches is not writable, so the source stays in the page cache");
        System.out.println("each time includes a final sync; Stillpoint runs in this JVM (no start-up), cp and rsync as processes");

        Map<String, Copier> tools = new LinkedHashMap<>();
        tools.put("stillpoint", (s, t) -> new TreeCopier(CopyOptions.defaults())
                .copy(s, t, CopyListener.NONE, new CancellationSignal()));
        tools.put("cp -a --sparse=always", (s, t) -> run("cp", "-a", "--sparse=always", s.toString(), t.toString()));
        tools.put("rsync -aHAX -S", (s, t) -> run("rsync", "-aHAX", "-S", s + "/", t + "/"));

        Map<String, List<Double>> seconds = new LinkedHashMap<>();
        Map<String, Long> allocatedCopy = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(tools.keySet());
        System.out.println("warm-up: one uncounted run of each");
        for (String name : names) {
            once(tools.get(name), source, target, dropCaches);
        }
        for (int r = 0; r < runs; r++) {
            for (int i = 0; i < names.size(); i++) {
                String name = names.get((r + i) % names.size()); // rotate who goes first
                double s = once(tools.get(name), source, target, dropCaches);
                seconds.computeIfAbsent(name, k -> new ArrayList<>()).add(s);
                allocatedCopy.put(name, allocated(target));
                System.out.printf("  run %d %-22s %7.2f s%n", r + 1, name, s);
            }
        }
        run("rm", "-rf", target.toString());

        long sourceAllocated = allocated(source);
        double cp = median(seconds.get("cp -a --sparse=always"));
        double rsync = median(seconds.get("rsync -aHAX -S"));
        System.out.printf("%n%-22s %9s %11s %9s %9s %16s%n", "tool", "median s", "MiB/s", "vs cp", "vs rsync", "allocated/source");
        for (String name : names) {
            double m = median(seconds.get(name));
            System.out.printf("%-22s %9.2f %11.0f %8.2fx %8.2fx %16.3f%n", name, m, dataBytes / MiB / m, m / cp, m / rsync,
                    allocatedCopy.get(name) / (double) sourceAllocated);
        }
        System.out.println("(vs = median time relative to that tool's; MiB/s = logical data bytes, holes excluded, per second)");
    }

    interface Copier {
        void copy(Path source, Path target) throws Exception;
    }

    private static double once(Copier copier, Path source, Path target, boolean dropCaches) throws Exception {
        run("rm", "-rf", target.toString());
        run("sync");
        if (dropCaches) {
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
        }
        long started = System.nanoTime();
        copier.copy(source, target);
        run("sync");
        return (System.nanoTime() - started) / 1e9;
    }

    private static void buildSource(Path source) throws IOException, InterruptedException {
        Path done = source.resolve(".built");
        if (Files.exists(done)) {
            return;
        }
        System.out.println("building the source tree under " + source + " (once)");
        run("rm", "-rf", source.toString());
        Files.createDirectories(source);
        SplittableRandom random = new SplittableRandom(42);
        ByteBuffer chunk = ByteBuffer.allocateDirect((int) MiB);
        try (FileChannel out = FileChannel.open(source.resolve("dense.img"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            for (long at = 0; at < DENSE; at += MiB) {
                fill(chunk, random);
                out.write(chunk, at);
            }
        }
        TreeSet<Long> extents = new TreeSet<>();
        while (extents.size() < SPARSE_EXTENTS) {
            extents.add(random.nextLong(SPARSE_SIZE / MiB));
        }
        try (FileChannel out = FileChannel.open(source.resolve("sparse.img"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            for (long index : extents) {
                fill(chunk, random);
                out.write(chunk, index * MiB);
            }
        }
        run("truncate", "-s", String.valueOf(SPARSE_SIZE), source.resolve("sparse.img").toString());
        for (int i = 0; i < SMALL_FILES; i++) {
            Path d = source.resolve("small/d" + (i % 20) + "/s" + (i % 7) + (i % 3 == 0 ? "/deeper" : ""));
            Files.createDirectories(d);
            byte[] content = new byte[random.nextInt(64 * 1024)];
            random.nextBytes(content);
            Path file = d.resolve((i % 10 == 0 ? ".hidden-" : "file-") + i);
            Files.write(file, content);
            if (i % 13 == 0) {
                Files.setAttribute(file, "unix:mode", 0444);
            }
        }
        Files.createDirectories(source.resolve("small/empty"));
        Files.writeString(done, "built", StandardCharsets.UTF_8);
        run("sync");
    }

    private static void fill(ByteBuffer chunk, SplittableRandom random) {
        chunk.clear();
        while (chunk.hasRemaining()) {
            chunk.putLong(random.nextLong());
        }
        chunk.flip();
    }

    private static long dataBytes(Path source) throws IOException {
        long small;
        try (var files = Files.walk(source.resolve("small"))) {
            small = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        return DENSE + SPARSE_EXTENTS * MiB + small;
    }

    private static long entryCount(Path source) throws IOException {
        try (var entries = Files.walk(source)) {
            return entries.count() - 1;
        }
    }

    private static long allocated(Path path) throws IOException, InterruptedException {
        return Long.parseLong(run("du", "-s", "-B1", path.toString()).split("\\s+")[0]);
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }
}
