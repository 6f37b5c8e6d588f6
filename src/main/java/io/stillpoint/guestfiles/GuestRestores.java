package io.stillpoint.guestfiles;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.StartupEvent;
import io.stillpoint.config.StillpointConfig;
import io.stillpoint.copy.Xattrs;
import io.stillpoint.fs.Durable;
import io.stillpoint.fs.SafePaths;
import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.fs.UnsafePathException;
import io.stillpoint.fs.UntrustedExecutableException;
import io.stillpoint.inventory.ConflictException;
import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.restore.Staging;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Restores chosen files and folders of a guest file system to a new folder under the restore roots, as the
 * guest had them (numeric owner, mode, times, xattrs). Like a restore of a point, it writes only into a staging
 * folder beside the target, marked as its own, and renames it into place at the end; a failure or a cancel
 * removes the staging folder, so the target is never half written. A folder travels as the appliance's tar and
 * is unpacked by GNU tar (a vetted system path), which refuses {@code ..} and absolute names and creates links
 * that point outside only after every file is in place; a file is downloaded and given its attributes here.
 *
 * <p>The restores live in memory, on the node that runs them, the newest 200 kept. A running one has a
 * journal in the server's home ({@code guest-files/restores/<id>.json}): the next start after a crash removes
 * the staging folder it names (only if it carries that restore's marker) and keeps the restore as FAILED.
 */
@ApplicationScoped
public class GuestRestores {

    private static final Logger LOG = Logger.getLogger(GuestRestores.class);
    private static final int KEPT = 200;
    private static final int MAX_PATHS = 1000;
    private static final Duration STARTING_PATIENCE = Duration.ofMinutes(10);

    /** The mutable state of one restore; snapshots of it are handed out. */
    private static final class Job {
        final UUID id;
        final UUID pointId;
        final String fs;
        final List<GuestPath> paths;
        final Path target;
        final Path root;
        final boolean force;
        final String requestedBy;
        final Instant requestedAt;
        final AtomicLong bytesCopied = new AtomicLong();
        volatile long bytesTotal;
        volatile int itemsDone;
        volatile String status = "STARTING";
        volatile String error;
        volatile Instant finishedAt;
        volatile boolean cancelled;
        volatile Appliance appliance;
        volatile Process tar;

        Job(UUID id, Instant requestedAt, UUID pointId, String fs, List<GuestPath> paths, Path target, Path root,
                boolean force, String requestedBy) {
            this.id = id;
            this.requestedAt = requestedAt;
            this.pointId = pointId;
            this.fs = fs;
            this.paths = paths;
            this.target = target;
            this.root = root;
            this.force = force;
            this.requestedBy = requestedBy;
        }

        GuestRestore view() {
            return new GuestRestore(id, pointId, fs, paths.stream().map(GuestPath::toString).toList(), target.toString(),
                    status, bytesCopied.get(), bytesTotal, itemsDone, error, requestedBy, requestedAt, finishedAt);
        }
    }

    /**
     * What a running restore writes down before it makes its staging folder, so that a start after a crash
     * finds the folder and removes it; deleted when the restore ends.
     */
    record Journal(UUID id, Instant requestedAt, UUID pointId, String fs, List<String> paths, String target,
            String root, boolean force, String requestedBy) {}

    private final GuestFiles guestFiles;
    private final GuestFilesConfig config;
    private final Path journals;
    private final ObjectMapper json;
    private final List<Path> roots;
    private final Map<UUID, Job> jobs = new ConcurrentHashMap<>();
    private final ExecutorService runner = Executors.newFixedThreadPool(2, r -> {
        Thread thread = new Thread(r, "guest-restore");
        thread.setDaemon(true);
        return thread;
    });

    GuestRestores(GuestFiles guestFiles, GuestFilesConfig config, StillpointConfig stillpoint, ObjectMapper json) {
        this.guestFiles = guestFiles;
        this.config = config;
        this.roots = stillpoint.restore().roots();
        this.journals = stillpoint.home().resolve("guest-files").resolve("restores");
        this.json = json;
    }

    void onStart(@Observes StartupEvent event) {
        recover();
    }

    /**
     * Ends the restores an earlier run of the server left unfinished: each one's staging folder is removed
     * (only the folder marked as that restore's, reached without following links), and the restore is kept
     * as FAILED, saying what was found.
     */
    void recover() {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(journals, "*.json")) {
            entries.forEach(found::add);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            LOG.errorf("guest file restores left by an earlier run cannot be listed in %s: %s", journals, e.getMessage());
            return;
        }
        for (Path file : found) {
            try {
                Journal journal = json.readValue(file.toFile(), Journal.class);
                if (jobs.containsKey(journal.id())) {
                    // Started by this run, in the moment between the HTTP server's start and this observer's.
                    continue;
                }
                Job job = new Job(journal.id(), journal.requestedAt(), journal.pointId(), journal.fs(),
                        journal.paths().stream().map(p -> GuestPath.parse("paths", p)).toList(), Path.of(journal.target()),
                        Path.of(journal.root()), journal.force(), journal.requestedBy());
                job.status = "FAILED";
                job.error = "failed: the server stopped while it ran; " + rollBack(job);
                job.finishedAt = Instant.now();
                jobs.put(job.id, job);
                Files.delete(file);
                LOG.warnf("guest file restore %s of restore point %s %s", job.id, job.pointId, job.error);
            } catch (IOException | RuntimeException e) {
                LOG.errorf("guest file restore left in %s cannot be ended: %s", file, e.getMessage());
            }
        }
    }

    /** Undoes what the restore left beside its target, if its root is still a restore root. */
    private String rollBack(Job job) throws IOException {
        Path target;
        try {
            target = SafePaths.confine(job.target.toString(), roots);
        } catch (UnsafePathException e) {
            return "its target " + job.target + " " + e.getMessage() + "; nothing there was touched";
        }
        if (!SafePaths.rootOf(target, roots).equals(job.root) || !Files.isDirectory(job.root, LinkOption.NOFOLLOW_LINKS)) {
            return "its restore root " + job.root + " is no longer one; nothing there was touched";
        }
        try (Staging staging = Staging.within(job.root, target, job.id)) {
            return staging.rollBack(Instant.now());
        }
    }

    private void writeJournal(Job job) throws IOException {
        Durable.createDirectories(journals);
        Durable.write(journal(job), json.writeValueAsBytes(new Journal(job.id, job.requestedAt, job.pointId, job.fs,
                job.paths.stream().map(GuestPath::toString).toList(), job.target.toString(), job.root.toString(),
                job.force, job.requestedBy)));
    }

    private Path journal(Job job) {
        return journals.resolve(job.id + ".json");
    }

    /**
     * Checks the request and starts the restore in the background.
     *
     * @throws InvalidRequestException naming the field that is wrong; nothing is started then
     */
    public GuestRestore start(UUID pointId, String fs, List<String> paths, String targetPath, boolean force,
            String requestedBy) {
        if (fs == null || fs.isBlank()) {
            throw new InvalidRequestException("fs", "is required: a device from .../guest/filesystems, e.g. /dev/sda1");
        }
        if (paths == null || paths.isEmpty() || paths.size() > MAX_PATHS) {
            throw new InvalidRequestException("paths", "must name 1 to " + MAX_PATHS + " files or folders of the guest");
        }
        List<GuestPath> chosen = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (String path : paths) {
            GuestPath guestPath = GuestPath.parse("paths", path);
            if (guestPath.isRoot()) {
                throw new InvalidRequestException("paths", "'/' cannot be restored as one item; choose its folders");
            }
            if (!names.add(guestPath.name())) {
                throw new InvalidRequestException("paths", "two chosen items are called '" + guestPath.name()
                        + "'; they would land on the same name in the target folder");
            }
            chosen.add(guestPath);
        }
        Path target;
        Path root;
        try {
            target = SafePaths.confine(targetPath, roots);
            root = SafePaths.rootOf(target, roots);
        } catch (UnsafePathException e) {
            throw new InvalidRequestException("path", "'" + targetPath + "' " + e.getMessage());
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !emptyFolder(target)) {
            throw new InvalidRequestException("path", target + " exists; a guest file restore makes a new folder");
        }
        guestFiles.locatable(pointId, force);
        Job job = new Job(UUID.randomUUID(), Instant.now(), pointId, fs, chosen, target, root, force, requestedBy);
        jobs.put(job.id, job);
        forgetOld();
        runner.execute(() -> run(job));
        return job.view();
    }

    public GuestRestore get(UUID id) {
        Job job = jobs.get(id);
        if (job == null) {
            throw new NotFoundException("guest file restore", id);
        }
        return job.view();
    }

    /** Stops a restore that has not finished; what it staged is removed. */
    public GuestRestore cancel(UUID id) {
        Job job = jobs.get(id);
        if (job == null) {
            throw new NotFoundException("guest file restore", id);
        }
        if (job.finishedAt != null) {
            throw new ConflictException("guest file restore " + id + " has finished (" + job.status + ")");
        }
        job.cancelled = true;
        Appliance appliance = job.appliance;
        if (appliance != null) {
            appliance.cancelTransfer();
        }
        Process tar = job.tar;
        if (tar != null) {
            tar.destroyForcibly();
        }
        return job.view();
    }

    private void run(Job job) {
        Staging staging = null;
        try (AppliancePool.Lease lease = awaitAppliance(job)) {
            Appliance appliance = lease.appliance();
            job.appliance = appliance;
            job.status = "RUNNING";
            List<String> applianceItems = new ArrayList<>();
            long total = 0;
            for (GuestPath path : job.paths) {
                String item = resolveItem(appliance, job.fs, path);
                applianceItems.add(item);
                total += appliance.usedKilobytes(item) * 1024;
            }
            job.bytesTotal = total;
            Durable.createDirectories(job.root);
            writeJournal(job);
            staging = Staging.within(job.root, job.target, job.id);
            Path folder = staging.createStagingFolder();
            Path tar = tar();
            for (int i = 0; i < job.paths.size(); i++) {
                throwIfCancelled(job);
                String item = applianceItems.get(i);
                Path destination = folder.resolve(job.paths.get(i).name());
                GuestFs.Stat stat = appliance.stat(item);
                if (stat.isDirectory()) {
                    restoreFolder(job, appliance, item, destination, tar);
                } else {
                    restoreFile(job, appliance, item, stat, destination);
                }
                job.itemsDone = i + 1;
            }
            throwIfCancelled(job);
            staging.placeAsTarget(true);
            staging.unmarkTarget();
            job.status = "SUCCEEDED";
        } catch (Exception | LinkageError failure) {
            if (staging != null) {
                try {
                    staging.discard();
                } catch (IOException | RuntimeException e) {
                    failure.addSuppressed(e);
                }
            }
            job.status = job.cancelled ? "CANCELLED" : "FAILED";
            job.error = (job.cancelled ? "cancelled" : "failed") + ": " + failure.getMessage();
            LOG.warnf("guest file restore %s of restore point %s %s", job.id, job.pointId, job.error);
        } finally {
            job.appliance = null;
            if (staging != null) {
                try {
                    staging.close();
                } catch (IOException e) {
                    LOG.debugf("guest file restore %s: %s", job.id, e.getMessage());
                }
            }
            try {
                Files.deleteIfExists(journal(job));
            } catch (IOException e) {
                LOG.warnf("guest file restore %s: its journal %s stays: %s", job.id, journal(job), e.getMessage());
            }
            job.finishedAt = Instant.now();
        }
    }

    private AppliancePool.Lease awaitAppliance(Job job) throws InterruptedException {
        long deadline = System.nanoTime() + STARTING_PATIENCE.toNanos();
        while (true) {
            throwIfCancelled(job);
            try {
                return guestFiles.lease(job.pointId, job.force);
            } catch (ApplianceStartingException | AppliancesBusyException | TooManyOpenFilesException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(500);
            }
        }
    }

    /** A chosen item's path in the appliance: a file or folder inside its file system. */
    private static String resolveItem(Appliance appliance, String fs, GuestPath path) {
        try {
            return appliance.folder(fs, path);
        } catch (InvalidRequestException notAFolder) {
            return appliance.file(fs, path).appliancePath();
        }
    }

    private void restoreFolder(Job job, Appliance appliance, String item, Path destination, Path tar) throws IOException {
        Files.createDirectory(destination);
        ProcessBuilder unpack = new ProcessBuilder(tar.toString(), "--extract", "--file=-", "--directory=" + destination,
                "--xattrs", "--xattrs-include=*", "--acls", "--numeric-owner", "--same-owner", "--preserve-permissions");
        unpack.environment().clear();
        unpack.environment().put("LC_ALL", "C");
        unpack.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Path errors = Files.createTempFile("guest-restore-tar", ".log");
        unpack.redirectError(errors.toFile());
        Process process = unpack.start();
        job.tar = process;
        try {
            try (OutputStream in = new Counting(process.getOutputStream(), job.bytesCopied)) {
                appliance.tar(guestFiles.pool().fifoFolder(), guestFiles.pool().transfers(), item, in);
            }
            if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new IOException("unpacking " + item + " failed: " + Files.readString(errors).strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            job.tar = null;
            process.destroyForcibly();
            Files.deleteIfExists(errors);
        }
    }

    private void restoreFile(Job job, Appliance appliance, String item, GuestFs.Stat stat, Path destination)
            throws IOException {
        Appliance.FileRef file = new Appliance.FileRef(item, destination.getFileName().toString(), stat.size(), stat);
        try (OutputStream out = new Counting(Files.newOutputStream(destination, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), job.bytesCopied)) {
            appliance.download(guestFiles.pool().fifoFolder(), guestFiles.pool().transfers(), file, 0, stat.size(), out);
        }
        Files.setAttribute(destination, "unix:uid", (int) stat.uid(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(destination, "unix:gid", (int) stat.gid(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(destination, "unix:mode", (int) (stat.mode() & 07777), LinkOption.NOFOLLOW_LINKS);
        // Every namespace, as the guest had them (trusted.* and security.* too, which only root may set), after
        // the owner: a change of owner drops security.capability.
        Map<String, byte[]> xattrs = new LinkedHashMap<>();
        appliance.xattrs(item).forEach((name, value) -> xattrs.put(name, value.getBytes(StandardCharsets.UTF_8)));
        for (String lost : Xattrs.add(destination, xattrs)) {
            LOG.warnf("guest file restore %s: %s: %s", job.id, destination, lost);
        }
        Files.getFileAttributeView(destination, java.nio.file.attribute.BasicFileAttributeView.class).setTimes(
                FileTime.from(Instant.ofEpochSecond(stat.mtimeSec(), stat.mtimeNsec())),
                FileTime.from(Instant.ofEpochSecond(stat.atimeSec(), stat.atimeNsec())), null);
    }

    private Path tar() throws IOException {
        try {
            return new TrustedExecutables(List.of(config.tar()), "stillpoint.guest-files.tar").vet(config.tar());
        } catch (UntrustedExecutableException e) {
            throw new IOException("GNU tar " + e.getMessage(), e);
        }
    }

    private static void throwIfCancelled(Job job) {
        if (job.cancelled) {
            throw new java.util.concurrent.CancellationException("cancelled by request");
        }
    }

    private static boolean emptyFolder(Path path) {
        if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (var entries = Files.list(path)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private void forgetOld() {
        if (jobs.size() <= KEPT) {
            return;
        }
        jobs.values().stream().filter(j -> j.finishedAt != null)
                .sorted(java.util.Comparator.comparing(j -> j.finishedAt))
                .limit(jobs.size() - KEPT)
                .forEach(j -> jobs.remove(j.id));
    }

    /** Counts what passes, for the restore's progress. */
    private static final class Counting extends FilterOutputStream {
        private final AtomicLong counter;

        Counting(OutputStream out, AtomicLong counter) {
            super(out);
            this.counter = counter;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            counter.addAndGet(len);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            counter.incrementAndGet();
        }
    }
}
