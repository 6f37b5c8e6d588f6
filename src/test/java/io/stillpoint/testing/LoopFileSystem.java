package io.stillpoint.testing;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A real file system of a chosen type, made in a sparse image file under {@code /tmp}, attached to a loop
 * device and mounted in a fresh folder, for tests of what only a real file system shows (reflink clones,
 * hard links, holes). Needs root, as CI is; {@link #close()} unmounts, detaches and removes what it made,
 * also when the test failed or making it failed half-way.
 *
 * <pre>{@code
 * try (LoopFileSystem xfs = LoopFileSystem.create(LoopFileSystem.Type.XFS, 512L << 20)) {
 *     Path repository = xfs.mountPoint().resolve("repository");
 * }
 * }</pre>
 *
 * <p>The tools run by absolute path from the system's own folders, never from the {@code PATH}.
 */
public final class LoopFileSystem implements AutoCloseable {

    /** The file systems tests use, with the Debian package that makes each. */
    public enum Type {
        /** XFS with reflink, so files can share blocks. */
        XFS("mkfs.xfs", "xfsprogs", List.of("-q", "-f", "-m", "reflink=1")),
        BTRFS("mkfs.btrfs", "btrfs-progs", List.of("-q", "-f")),
        /** No reflink: sharing falls back to hard links. */
        EXT4("mkfs.ext4", "e2fsprogs", List.of("-q", "-F"));

        private final String mkfs;
        private final String debianPackage;
        private final List<String> mkfsOptions;

        Type(String mkfs, String debianPackage, List<String> mkfsOptions) {
            this.mkfs = mkfs;
            this.debianPackage = debianPackage;
            this.mkfsOptions = mkfsOptions;
        }
    }

    private static final List<Path> SYSTEM_FOLDERS = List.of(Path.of("/usr/sbin"), Path.of("/sbin"),
            Path.of("/usr/bin"), Path.of("/bin"));
    private static final long TOOL_TIMEOUT_SECONDS = 120;

    private final Type type;
    private final Path work;
    private final Path image;
    private String loopDevice;
    private Path mountPoint;

    private LoopFileSystem(Type type, Path work) {
        this.type = type;
        this.work = work;
        this.image = work.resolve(type.name().toLowerCase(Locale.ROOT) + ".img");
    }

    /**
     * Makes and mounts a file system of {@code type} and {@code size} bytes (a sparse image: only what the
     * file system writes takes space in {@code /tmp}).
     *
     * @throws IllegalStateException when a tool is missing (naming its Debian package) or not run as root
     */
    public static LoopFileSystem create(Type type, long size) throws IOException {
        Path mkfs = tool(type.mkfs, type.debianPackage);
        Path losetup = tool("losetup", "mount");
        Path mount = tool("mount", "mount");
        tool("umount", "mount");
        LoopFileSystem fs = new LoopFileSystem(type, Files.createTempDirectory(Path.of("/tmp"), "stillpoint-loopfs-"));
        try {
            try (RandomAccessFile file = new RandomAccessFile(fs.image.toFile(), "rw")) {
                file.setLength(size);
            }
            fs.loopDevice = run(List.of(losetup.toString(), "--find", "--show", fs.image.toString())).strip();
            List<String> format = new ArrayList<>();
            format.add(mkfs.toString());
            format.addAll(type.mkfsOptions);
            format.add(fs.loopDevice);
            run(format);
            Path target = Files.createDirectory(fs.work.resolve("mnt"));
            run(List.of(mount.toString(), "-t", type.name().toLowerCase(Locale.ROOT), fs.loopDevice, target.toString()));
            fs.mountPoint = target;
            return fs;
        } catch (IOException | RuntimeException e) {
            try {
                fs.close();
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    public Type type() {
        return type;
    }

    /** The root of the mounted file system; it holds only what the file system itself made ({@code lost+found}). */
    public Path mountPoint() {
        if (mountPoint == null) {
            throw new IllegalStateException(type + " file system is not mounted");
        }
        return mountPoint;
    }

    /** The loop device, such as {@code /dev/loop3}. */
    public String device() {
        return loopDevice;
    }

    /**
     * Unmounts and detaches the file system and returns its image, which stays until {@link #close()}: to copy
     * a file system made with real kernel semantics into a disk image.
     */
    public Path unmount() throws IOException {
        run(List.of(tool("umount", "mount").toString(), mountPoint().toString()));
        mountPoint = null;
        run(List.of(tool("losetup", "mount").toString(), "-d", loopDevice));
        loopDevice = null;
        return image;
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        if (mountPoint != null) {
            try {
                run(List.of(tool("umount", "mount").toString(), mountPoint.toString()));
                mountPoint = null;
            } catch (IOException e) {
                failure = e;
            }
        }
        // A device still mounted cannot be detached; leaving it attached is the honest outcome then.
        if (loopDevice != null && mountPoint == null) {
            try {
                run(List.of(tool("losetup", "mount").toString(), "-d", loopDevice));
                loopDevice = null;
            } catch (IOException e) {
                failure = addTo(failure, e);
            }
        }
        if (mountPoint == null && loopDevice == null) {
            try {
                Files.deleteIfExists(image);
                Files.deleteIfExists(work.resolve("mnt"));
                Files.deleteIfExists(work);
            } catch (IOException e) {
                failure = addTo(failure, e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static IOException addTo(IOException first, IOException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    private static Path tool(String name, String debianPackage) {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("a loop-mounted file system needs root (losetup, mount); running as "
                    + System.getProperty("user.name"));
        }
        for (Path folder : SYSTEM_FOLDERS) {
            Path candidate = folder.resolve(name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException(name + " is missing from " + SYSTEM_FOLDERS + ": install the Debian package "
                + debianPackage + " (apt-get install " + debianPackage + ")");
    }

    private static String run(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output;
        try {
            output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(TOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish in " + TOOL_TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", command) + " interrupted", e);
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + process.exitValue() + ": " + output.strip());
        }
        return output;
    }
}
