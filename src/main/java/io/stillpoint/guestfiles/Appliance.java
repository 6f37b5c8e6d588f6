package io.stillpoint.guestfiles;

import io.stillpoint.inventory.ConflictException;
import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.inventory.NotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One libguestfs appliance reading the disks of one restore point, read-only: a small VM, so the guest's file
 * systems are parsed by the appliance's kernel, never the host's. Each file system is mounted read-only at its
 * own mount point in the appliance ({@code /fs0}, {@code /fs1}, ...) when first used; a guest path is always
 * resolved below it, and a symbolic link that leads out of it is refused.
 *
 * <p>libguestfs runs one call at a time per handle: calls take a fair lock, and a long download is cut into
 * pieces so that a listing waits for one piece, not the whole file. A folder's tar holds the lock throughout.
 */
final class Appliance implements AutoCloseable {

    /** A regular file ready to stream: its path in the appliance and its size. */
    record FileRef(String appliancePath, String name, long size, GuestFs.Stat stat) {}

    static final long PIECE = 64L << 20;

    private final UUID pointId;
    private final GuestFs g;
    private final int pid;
    private final Duration launchTime;
    private final List<GuestFileSystem> fileSystems;
    private final Map<String, Integer> indexByDevice = new HashMap<>();
    private final Map<String, String> mountProblems = new HashMap<>();
    private final java.util.Set<String> mounted = new java.util.HashSet<>();
    private final ReentrantLock lock = new ReentrantLock(true);
    private final AtomicInteger users = new AtomicInteger();
    private volatile long lastUsedNanos = System.nanoTime();
    private volatile boolean closed;

    private Appliance(UUID pointId, GuestFs g, int pid, Duration launchTime, List<GuestFileSystem> fileSystems) {
        this.pointId = pointId;
        this.g = g;
        this.pid = pid;
        this.launchTime = launchTime;
        this.fileSystems = List.copyOf(fileSystems);
        for (int i = 0; i < fileSystems.size(); i++) {
            indexByDevice.put(fileSystems.get(i).device(), i);
        }
    }

    /** Starts an appliance on {@code disks}; takes tens of seconds under TCG. */
    static Appliance launch(GuestFsBinding binding, GuestFilesConfig config, UUID pointId, List<PointDisks.Disk> disks,
            ApplianceRecords records) {
        long started = System.nanoTime();
        GuestFs g = binding.create();
        try {
            g.configure(config.backend(), config.backendSettings(), config.memoryMib());
            for (PointDisks.Disk disk : disks) {
                g.addDriveReadOnly(disk.file().toString(), disk.format());
            }
            g.launch();
            int pid = g.pid();
            records.record(pid);
            List<GuestFileSystem> found = survey(g);
            for (int i = 0; i < found.size(); i++) {
                g.mkmountpoint("/fs" + i);
            }
            return new Appliance(pointId, g, pid, Duration.ofNanos(System.nanoTime() - started), found);
        } catch (RuntimeException e) {
            try {
                g.close();
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e instanceof GuestFsException ? e : new GuestFsException(e.getMessage(), e);
        }
    }

    /** The file systems, with what inspection recognised of an operating system; nothing stays mounted. */
    private static List<GuestFileSystem> survey(GuestFs g) {
        Map<String, String> types = new LinkedHashMap<>(g.listFilesystems());
        Map<String, String> mountPoints = new HashMap<>();
        Map<String, String> systems = new HashMap<>();
        try {
            for (String root : g.inspectOs()) {
                String product = g.inspectProductName(root);
                for (Map.Entry<String, String> m : g.inspectMountpoints(root).entrySet()) {
                    mountPoints.put(m.getValue(), m.getKey());
                    systems.put(m.getValue(), product);
                }
            }
        } catch (GuestFsException e) {
            // No operating system recognised: the file systems are listed without mount points.
        }
        List<GuestFileSystem> result = new ArrayList<>();
        for (Map.Entry<String, String> fs : types.entrySet()) {
            String device = fs.getKey();
            String type = fs.getValue();
            String problem = switch (type) {
                case "unknown", "" -> "no file system libguestfs recognises (empty, corrupted, or an unknown kind)";
                case "swap" -> "swap space holds no files";
                case "crypto_LUKS", "BitLocker" -> "encrypted (" + type + "); Stillpoint does not hold its key";
                default -> null;
            };
            String label = null;
            Long size = null;
            try {
                size = g.deviceSize(device);
                label = problem == null ? emptyToNull(g.label(device)) : null;
            } catch (GuestFsException e) {
                // A device that does not say its size or label is still listed.
            }
            result.add(new GuestFileSystem(device, type, label, size, mountPoints.get(device), systems.get(device), problem));
        }
        return result;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    UUID pointId() {
        return pointId;
    }

    int pid() {
        return pid;
    }

    Duration launchTime() {
        return launchTime;
    }

    List<GuestFileSystem> fileSystems() {
        return fileSystems;
    }

    void acquire() {
        users.incrementAndGet();
        lastUsedNanos = System.nanoTime();
    }

    void release() {
        lastUsedNanos = System.nanoTime();
        users.decrementAndGet();
    }

    boolean idleLongerThan(Duration idle) {
        return users.get() == 0 && System.nanoTime() - lastUsedNanos > idle.toNanos();
    }

    long lastUsedNanos() {
        return lastUsedNanos;
    }

    boolean inUse() {
        return users.get() > 0;
    }

    boolean isClosed() {
        return closed;
    }

    /** Takes no new users from now on; {@link #close()} follows. */
    void retire() {
        closed = true;
    }

    /** One page of a directory's entries in name order. */
    GuestListing list(String device, GuestPath path, int offset, int limit) {
        return locked(() -> {
            String dir = resolve(device, path);
            GuestFs.Stat stat = g.lstat(dir);
            if (!stat.isDirectory()) {
                throw new InvalidRequestException("path", "'" + path + "' is not a folder but a " + stat.type());
            }
            List<String> names = g.ls(dir);
            List<String> page = names.subList(Math.min(offset, names.size()), Math.min(names.size(), offset + limit));
            List<GuestEntry> entries = new ArrayList<>();
            if (!page.isEmpty()) {
                List<GuestFs.Stat> stats = g.lstatList(dir, page);
                List<String> links = g.readlinkList(dir, page);
                for (int i = 0; i < page.size(); i++) {
                    GuestFs.Stat s = stats.get(i);
                    entries.add(new GuestEntry(page.get(i), s.type(), s.size(), String.format("%04o", s.mode() & 07777),
                            s.uid(), s.gid(), Instant.ofEpochSecond(s.mtimeSec(), s.mtimeNsec()),
                            s.isSymbolicLink() ? links.get(i) : null));
                }
            }
            return new GuestListing(path.toString(), names.size(), entries);
        });
    }

    /** A regular file of the guest, reached without leaving its file system. */
    FileRef file(String device, GuestPath path) {
        return locked(() -> {
            String real = resolve(device, path);
            GuestFs.Stat stat = g.lstat(real);
            if (!stat.isRegularFile()) {
                throw new InvalidRequestException("path", "'" + path + "' is not a file but a " + stat.type());
            }
            return new FileRef(real, path.isRoot() ? "" : path.name(), stat.size(), stat);
        });
    }

    /** A folder of the guest, reached without leaving its file system; returns its path in the appliance. */
    String folder(String device, GuestPath path) {
        return locked(() -> {
            String real = resolve(device, path);
            GuestFs.Stat stat = g.lstat(real);
            if (!stat.isDirectory()) {
                throw new InvalidRequestException("path", "'" + path + "' is not a folder but a " + stat.type());
            }
            return real;
        });
    }

    GuestFs.Stat stat(String appliancePath) {
        return locked(() -> g.lstat(appliancePath));
    }

    java.util.Map<String, String> xattrs(String appliancePath) {
        return locked(() -> g.xattrs(appliancePath));
    }

    long usedKilobytes(String appliancePath) {
        return locked(() -> g.du(appliancePath));
    }

    /** Streams bytes {@code [offset, offset+length)} of a file, a piece at a time. */
    long download(Path fifoFolder, ExecutorService executor, FileRef file, long offset, long length, OutputStream out)
            throws IOException {
        long copied = 0;
        while (copied < length) {
            long at = offset + copied;
            long piece = Math.min(PIECE, length - copied);
            lock.lock();
            try {
                long got = Fifo.transfer(fifoFolder, executor, pipe -> g.downloadRange(file.appliancePath(), pipe, at, piece),
                        out, g::userCancel);
                if (got != piece) {
                    throw new IOException("the guest's file " + file.appliancePath() + " gave " + got + " bytes at offset "
                            + at + " where " + piece + " were expected");
                }
                copied += got;
            } finally {
                lastUsedNanos = System.nanoTime();
                lock.unlock();
            }
        }
        return copied;
    }

    /** Streams a folder as a tar (numeric owners, xattrs and ACLs kept) from its path in the appliance. */
    long tar(Path fifoFolder, ExecutorService executor, String applianceFolder, OutputStream out) throws IOException {
        lock.lock();
        try {
            return Fifo.transfer(fifoFolder, executor, pipe -> g.tarOut(applianceFolder, pipe), out, g::userCancel);
        } finally {
            lastUsedNanos = System.nanoTime();
            lock.unlock();
        }
    }

    /** Aborts the transfer in progress, from any thread. */
    void cancelTransfer() {
        g.userCancel();
    }

    /**
     * The path in the appliance of {@code path} on {@code device}, with every link resolved, mounted first if
     * need be; refused when a link leads out of the file system.
     */
    private String resolve(String device, GuestPath path) {
        Integer index = indexByDevice.get(device);
        if (index == null) {
            throw new InvalidRequestException("fs", "'" + device + "' is none of the restore point's file systems "
                    + indexByDevice.keySet());
        }
        GuestFileSystem fs = fileSystems.get(index);
        if (fs.problem() != null) {
            throw new ConflictException("file system " + device + " cannot be opened: " + fs.problem());
        }
        String mountpoint = "/fs" + index;
        if (!mounted.contains(device)) {
            String problem = mountProblems.get(device);
            if (problem == null) {
                try {
                    g.mountReadOnly(device, mountpoint);
                    mounted.add(device);
                } catch (GuestFsException e) {
                    problem = e.getMessage();
                    mountProblems.put(device, problem);
                }
            }
            if (problem != null) {
                throw new ConflictException("file system " + device + " (" + fs.type() + ") cannot be mounted: " + problem);
            }
        }
        String inAppliance = path.under(mountpoint);
        String real;
        try {
            real = g.realpath(inAppliance);
        } catch (GuestFsException e) {
            throw new NotFoundException("file system " + device + " holds no '" + path + "' (or a link on the way"
                    + " leads nowhere inside it)");
        }
        if (!real.equals(mountpoint) && !real.startsWith(mountpoint + "/")) {
            throw new InvalidRequestException("path", "'" + path + "' leads out of file system " + device
                    + " through a symbolic link");
        }
        return real;
    }

    private <T> T locked(java.util.function.Supplier<T> call) {
        if (closed) {
            throw new GuestFsException("the appliance of restore point " + pointId + " was stopped");
        }
        lock.lock();
        try {
            return call.get();
        } finally {
            lastUsedNanos = System.nanoTime();
            lock.unlock();
        }
    }

    @Override
    public void close() {
        closed = true;
        g.userCancel();
        lock.lock();
        try {
            g.close();
        } finally {
            lock.unlock();
        }
    }
}
