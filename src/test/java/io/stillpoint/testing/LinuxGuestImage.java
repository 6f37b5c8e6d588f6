package io.stillpoint.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The tests' real Linux guest: a disk that boots alone (MBR, extlinux, the Debian kernel, busybox and
 * qemu-guest-agent on an ext4 root), built by {@code src/test/guest/build-linux-guest.sh} from this
 * machine's Debian packages. It is built once and kept under {@code target/linux-guest/<key>/}, the key
 * being the script's SHA-256 and the kernels installed, so a changed script or a new kernel builds it
 * again. Builds are serialised by a file lock, across test JVMs too, and a finished build is renamed into
 * place, so no test sees half an image. Tests copy the image and never write to the cached one.
 *
 * <p>Its console (ttyS0) says {@value #READY} once the agent is started, and, with the workload, {@code
 * STILLPOINT-SEQ <n>} for each number appended to {@value #SEQUENCE_FILE} and synced; see {@link
 * LinuxConsole}.
 */
public final class LinuxGuestImage {

    public static final String READY = "STILLPOINT-GUEST: ready";
    /** What the guest prints once its root is read-only, as its power button shuts it down. */
    public static final String DOWN = "STILLPOINT-GUEST: down";
    public static final String SEQUENCE_FILE = "/var/lib/stillpoint/sequence";
    /** How long a test waits for the guest to come up: 6-8 s under TCG here, several times that on a busy machine. */
    public static final Duration BOOT = Duration.ofSeconds(90);

    private static final Path SCRIPT = Path.of("src/test/guest/build-linux-guest.sh");
    private static final Path CACHE = Path.of("target/linux-guest");
    private static final String PLAIN = "linux-guest.qcow2";
    private static final String WORKLOAD = "linux-guest-workload.qcow2";
    private static final String LOG = "build.log";
    private static final Pattern KEY = Pattern.compile("[0-9a-f]{16}");
    /** Where the root partition starts on the disk, as the script lays it out. */
    private static final long ROOT_PARTITION_MIB = 1;
    private static final long BUILD_TIMEOUT_SECONDS = 300;

    private static Path built;

    private LinuxGuestImage() {}

    /** The guest's disk without the workload; copy it before booting it. */
    public static Path bootDisk() {
        return built().resolve(PLAIN);
    }

    /** The same disk with the workload switched on ({@code /etc/stillpoint/workload}). */
    public static Path bootDiskWithWorkload() {
        return built().resolve(WORKLOAD);
    }

    /**
     * What a copy of the guest's disk holds, read offline from its root partition: whether ext4 needs its
     * journal replayed (a file system in use, as a crash leaves it; a frozen or unmounted one does not),
     * and the workload's numbers.
     */
    public record RootFileSystem(boolean needsRecovery, List<Long> sequence) {
        public long lastSequence() {
            return sequence.isEmpty() ? 0 : sequence.get(sequence.size() - 1);
        }
    }

    /** Reads {@code disk} (a qcow2 file no QEMU writes to) as the guest's root file system. */
    public static RootFileSystem inspect(Path disk) throws IOException {
        Path work = Files.createTempDirectory(Path.of("/tmp"), "stillpoint-rootfs-");
        Path partition = work.resolve("root.raw");
        try {
            QemuLab.exec(List.of("qemu-img", "dd", "-U", "-f", "qcow2", "-O", "raw", "bs=1M",
                    "skip=" + ROOT_PARTITION_MIB, "if=" + disk, "of=" + partition));
            String header = QemuLab.exec(List.of("/sbin/dumpe2fs", "-h", partition.toString()));
            Matcher features = Pattern.compile("(?m)^Filesystem features:(.*)$").matcher(header);
            if (!features.find()) {
                throw new IOException("dumpe2fs found no ext4 on the root partition of " + disk + ": " + header);
            }
            List<Long> sequence = new ArrayList<>();
            String file = QemuLab.exec(List.of("/sbin/debugfs", "-R", "cat " + SEQUENCE_FILE, partition.toString()));
            for (String line : file.split("\n")) {
                if (line.matches("\\d+")) {
                    sequence.add(Long.parseLong(line));
                }
            }
            return new RootFileSystem(features.group(1).contains("needs_recovery"), List.copyOf(sequence));
        } finally {
            Files.deleteIfExists(partition);
            Files.delete(work);
        }
    }

    private static synchronized Path built() {
        if (built != null) {
            return built;
        }
        try {
            Path cache = Files.createDirectories(CACHE.toAbsolutePath());
            String key = key();
            Path folder = cache.resolve(key);
            // The JVM's monitor keeps this process's threads out; the file lock keeps other test JVMs out.
            try (FileChannel channel = FileChannel.open(cache.resolve(".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock lock = channel.lock()) {
                if (!Files.isRegularFile(folder.resolve(WORKLOAD), LinkOption.NOFOLLOW_LINKS)) {
                    build(cache, folder);
                    removeOtherBuilds(cache, key);
                }
            }
            built = folder;
            return built;
        } catch (IOException e) {
            throw new UncheckedIOException("building the test guest with " + SCRIPT + " failed", e);
        }
    }

    private static void build(Path cache, Path folder) throws IOException {
        Path building = Files.createTempDirectory(cache, ".building-");
        Path log = building.resolve(LOG);
        long started = System.nanoTime();
        Process process = new ProcessBuilder("/bin/bash", SCRIPT.toAbsolutePath().toString(), building.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!process.waitFor(BUILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(SCRIPT + " did not finish within " + BUILD_TIMEOUT_SECONDS + " s: "
                        + Files.readString(log));
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while building the test guest", e);
        }
        if (process.exitValue() != 0) {
            throw new IOException(SCRIPT + " exited " + process.exitValue() + ": " + Files.readString(log));
        }
        // Readable by all, as a boot disk for a QEMU that runs as another user (libvirt's) must be.
        Files.setPosixFilePermissions(building, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.move(building, folder, StandardCopyOption.ATOMIC_MOVE);
        System.out.printf("built the test guest in %.1f s: %s%n", (System.nanoTime() - started) / 1e9, folder);
    }

    /**
     * Builds for an older script or kernel are of no more use. Only what a build leaves is removed (its
     * two disks and its log, by name), and the folder only if that emptied it.
     */
    private static void removeOtherBuilds(Path cache, String key) throws IOException {
        try (DirectoryStream<Path> folders = Files.newDirectoryStream(cache)) {
            for (Path folder : folders) {
                String name = folder.getFileName().toString();
                if (name.equals(key) || !KEY.matcher(name).matches()
                        || !Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                for (String file : List.of(PLAIN, WORKLOAD, LOG)) {
                    Path made = folder.resolve(file);
                    if (Files.isRegularFile(made, LinkOption.NOFOLLOW_LINKS)) {
                        Files.delete(made);
                    }
                }
                try (Stream<Path> left = Files.list(folder)) {
                    if (left.findAny().isEmpty()) {
                        Files.delete(folder);
                    }
                }
            }
        }
    }

    /** The script's digest and the kernels in {@code /boot}: what the image is made of that can change. */
    private static String key() throws IOException {
        List<String> kernels = new ArrayList<>();
        try (DirectoryStream<Path> boot = Files.newDirectoryStream(Path.of("/boot"), "vmlinuz-*")) {
            boot.forEach(kernel -> kernels.add(kernel.getFileName().toString()));
        }
        kernels.sort(null);
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(Files.readAllBytes(SCRIPT));
            sha.update(String.join("\n", kernels).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
