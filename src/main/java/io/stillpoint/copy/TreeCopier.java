package io.stillpoint.copy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Copies a directory tree with the semantics of {@code xcopy /E /S /Y /F /O /X /R /H} on Linux: every
 * entry including empty directories and dotfiles; existing target entries replaced (unlinked, so a
 * read-only target file is no obstacle); owner, group, mode, POSIX ACLs and all extended attributes;
 * mtime and atime; symbolic links as links, never followed; hard links inside the tree as hard links;
 * holes kept. Sockets, FIFOs and devices are reported as skipped and never opened.
 *
 * <p>The copy runs in phases, so that no step undoes an earlier one:
 * <ol>
 *   <li>scan the source ({@code lstat} only) for totals, hard-link groups and the original times;
 *   <li>create the directories, parents first, writable by the copier only;
 *   <li>copy files and symbolic links on {@link CopyOptions#threads()} threads, largest first, each
 *       file's content, digest, owner, xattrs, mode and times;
 *   <li>link the later names of hard-linked files (linking changes no times of the file);
 *   <li>finish the directories children first: owner, xattrs (a default ACL set earlier would have
 *       been inherited by the copied children), mode, times;
 *   <li>with {@link CopyOptions#fsync()}, one {@code syncfs} per target file system (see
 *       {@link TargetSync}), so every file and directory written is on disk before the copy returns.
 * </ol>
 *
 * <p>On failure or cancellation the copy stops every thread before it throws; the partial target is
 * left for the caller to remove.
 */
public final class TreeCopier {

    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_DIRECTORY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private final CopyOptions options;

    public TreeCopier(CopyOptions options) {
        this.options = options;
    }

    /**
     * Copies the tree under {@code source} into {@code target}, which is created if missing.
     *
     * @throws CopyException naming the file that could not be read or written, and why
     * @throws CancellationException when {@code cancel} was signalled
     */
    public CopyResult copy(Path source, Path target, CopyListener listener, CancellationSignal cancel)
            throws IOException {
        long started = System.nanoTime();
        cancel.throwIfCancelled();
        if (target.toAbsolutePath().normalize().startsWith(source.toAbsolutePath().normalize())) {
            throw new CopyException(target, "the target lies inside the source", null);
        }
        SourceTree tree = SourceTree.scan(source, cancel);
        try (Run run = new Run(tree, target, listener, cancel)) {
            run.execute();
            return run.result(Duration.ofNanos(System.nanoTime() - started));
        }
    }

    /** Thrown in the other threads once one entry has failed, so they stop at their next chunk. */
    private static final class Aborted extends CancellationException {
        Aborted() {
            super("stopped because another entry failed");
        }
    }

    private final class Run implements AutoCloseable {

        private final SourceTree tree;
        private final Path target;
        private final CopyListener listener;
        private final CancellationSignal cancel;
        private final Map<String, String> laterNames;
        private final Set<String> freshDirectories = new HashSet<>();
        private final List<CopiedEntry> copied = Collections.synchronizedList(new ArrayList<>());
        private final List<SkippedEntry> skipped = Collections.synchronizedList(new ArrayList<>());
        private final AtomicLong bytesCopied = new AtomicLong();
        private final AtomicLong filesCopied = new AtomicLong();
        private final ProgressMeter progress;
        private final ExecutorService workers;
        private final ExecutorService hashers;
        private final SparseFileCopier files;
        private final TargetSync durable;
        private volatile boolean aborted;

        Run(SourceTree tree, Path target, CopyListener listener, CancellationSignal cancel) {
            this.tree = tree;
            this.target = target;
            this.listener = listener;
            this.cancel = cancel;
            this.laterNames = HardLinks.laterNames(tree.entries);
            long bytesTotal = 0;
            long filesTotal = 0;
            for (SourceTree.Entry e : tree.entries) {
                if (e.kind() == SourceTree.Kind.FILE && !laterNames.containsKey(e.path())) {
                    bytesTotal += e.size();
                    filesTotal++;
                }
            }
            this.progress = new ProgressMeter(listener, bytesTotal, filesTotal);
            this.workers = pool("stillpoint-copy", options.threads());
            this.hashers = pool("stillpoint-copy-digest", options.threads());
            this.files = new SparseFileCopier(hashers, Throttle.of(options.bandwidthBytesPerSecond()), progress,
                    this::checkpoint);
            this.durable = options.fsync() ? new TargetSync() : null;
        }

        void execute() throws IOException {
            reportSpecialFiles();
            prepareRoot();
            createDirectories();
            copyFilesAndLinks();
            linkLaterNames();
            finishDirectories();
            if (durable != null) {
                cancel.throwIfCancelled();
                durable.sync();
            }
            progress.finish();
        }

        CopyResult result(Duration elapsed) {
            List<CopiedEntry> entries = new ArrayList<>(copied);
            entries.sort(Comparator.comparing(CopiedEntry::path));
            List<SkippedEntry> skips = new ArrayList<>(skipped);
            skips.sort(Comparator.comparing(SkippedEntry::path)
                    .thenComparing(SkippedEntry::attribute, Comparator.nullsFirst(Comparator.naturalOrder())));
            return new CopyResult(entries, skips, bytesCopied.get(), filesCopied.get(), elapsed);
        }

        private void checkpoint() {
            cancel.throwIfCancelled();
            if (aborted) {
                throw new Aborted();
            }
        }

        private void reportSpecialFiles() {
            for (SourceTree.Entry e : tree.entries) {
                if (e.kind() == SourceTree.Kind.SPECIAL) {
                    skip(new SkippedEntry(e.path(), "not copied: it is " + e.specialKind()
                            + ", which holds no content to back up"));
                }
            }
        }

        private void prepareRoot() throws IOException {
            try {
                BasicFileAttributes existing = lstat(target);
                if (existing == null) {
                    Path parent = target.toAbsolutePath().getParent();
                    Files.createDirectories(parent);
                    Files.createDirectory(target, PRIVATE_DIRECTORY);
                    freshDirectories.add("");
                } else if (existing.isDirectory()) {
                    makeWritable(target);
                } else {
                    throw new CopyException(target, "the target exists and is not a directory", null);
                }
                if (durable != null) {
                    durable.add(target);
                }
            } catch (IOException e) {
                throw Failures.wrap(target, "cannot create the target directory", e);
            }
        }

        private void createDirectories() throws IOException {
            for (SourceTree.Entry e : tree.entries) {
                if (e.kind() != SourceTree.Kind.DIRECTORY) {
                    continue;
                }
                checkpoint();
                Path dst = resolve(e.path());
                try {
                    if (!freshDirectories.contains(parentOf(e.path()))) {
                        BasicFileAttributes existing = lstat(dst);
                        if (existing != null && existing.isDirectory()) {
                            makeWritable(dst);
                            if (durable != null) {
                                durable.add(dst);
                            }
                            continue;
                        }
                        if (existing != null) {
                            Files.delete(dst);
                        }
                    }
                    Files.createDirectory(dst, PRIVATE_DIRECTORY);
                    freshDirectories.add(e.path());
                } catch (IOException failure) {
                    throw Failures.wrap(dst, "cannot create the directory", failure);
                }
            }
        }

        private void copyFilesAndLinks() throws IOException {
            List<SourceTree.Entry> work = new ArrayList<>();
            for (SourceTree.Entry e : tree.entries) {
                boolean firstName = e.kind() == SourceTree.Kind.FILE && !laterNames.containsKey(e.path());
                if (firstName || e.kind() == SourceTree.Kind.SYMLINK) {
                    work.add(e);
                }
            }
            // Largest first, so the big files overlap and the small ones fill the gaps at the end.
            work.sort(Comparator.comparingLong(SourceTree.Entry::size).reversed());
            ExecutorCompletionService<Void> done = new ExecutorCompletionService<>(workers);
            for (SourceTree.Entry e : work) {
                done.submit(() -> {
                    copyEntry(e);
                    return null;
                });
            }
            awaitAll(done, work.size());
        }

        private void copyEntry(SourceTree.Entry e) throws IOException {
            checkpoint();
            Path dst = resolve(e.path());
            progress.startFile(e.path());
            try {
                clear(dst, e.path());
                if (e.kind() == SourceTree.Kind.SYMLINK) {
                    Path link = Files.readSymbolicLink(e.source());
                    Files.createSymbolicLink(dst, link);
                    Metadata.apply(e, Xattrs.read(e.source()), dst, losses(e.path()));
                    copied.add(entry(e, EntryType.SYMLINK, 0, null, link.toString()));
                } else {
                    copied.add(copyFile(e, dst));
                    filesCopied.incrementAndGet();
                    progress.fileDone();
                }
            } catch (IOException failure) {
                throw Failures.wrap(dst, "cannot copy " + e.path(), failure);
            }
            listener.onEntry(e.source(), dst);
        }

        private CopiedEntry copyFile(SourceTree.Entry e, Path dst) throws IOException {
            Map<String, byte[]> xattrs = Xattrs.read(e.source());
            try (FileChannel in = FileChannel.open(e.source(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                    FileChannel out = FileChannel.open(dst,
                            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), PRIVATE_FILE)) {
                long size = in.size();
                String sha256 = files.copy(e.source(), in, dst, out, size, options.fsync());
                Metadata.apply(e, xattrs, dst, losses(e.path()));
                bytesCopied.addAndGet(size);
                return entry(e, EntryType.FILE, size, sha256, null);
            }
        }

        private void linkLaterNames() throws IOException {
            for (SourceTree.Entry e : tree.entries) {
                String first = laterNames.get(e.path());
                if (first == null) {
                    continue;
                }
                checkpoint();
                Path dst = resolve(e.path());
                try {
                    clear(dst, e.path());
                    Files.createLink(dst, resolve(first));
                } catch (IOException failure) {
                    throw Failures.wrap(dst, "cannot link " + e.path() + " to " + first, failure);
                }
                copied.add(entry(e, EntryType.HARDLINK, 0, null, first));
                listener.onEntry(e.source(), dst);
            }
        }

        private void finishDirectories() throws IOException {
            List<SourceTree.Entry> entries = tree.entries;
            for (int i = entries.size() - 1; i >= 0; i--) {
                SourceTree.Entry e = entries.get(i);
                if (e.kind() == SourceTree.Kind.DIRECTORY) {
                    checkpoint();
                    Path dst = resolve(e.path());
                    finishDirectory(e, dst);
                    copied.add(entry(e, EntryType.DIRECTORY, 0, null, null));
                    listener.onEntry(e.source(), dst);
                }
            }
            finishDirectory(tree.root, target);
        }

        private void finishDirectory(SourceTree.Entry e, Path dst) throws IOException {
            try {
                Metadata.apply(e, Xattrs.read(e.source()), dst, losses(e.path()));
            } catch (IOException failure) {
                throw Failures.wrap(dst, "cannot finish the directory", failure);
            }
        }

        private void awaitAll(ExecutorCompletionService<Void> done, int count) throws IOException {
            Throwable first = null;
            boolean interrupted = false;
            int remaining = count;
            while (remaining > 0) {
                Future<Void> finished;
                try {
                    finished = done.take();
                } catch (InterruptedException e) {
                    interrupted = true;
                    aborted = true;
                    if (first == null) {
                        first = new CancellationException("the copy was interrupted");
                    }
                    continue;
                }
                remaining--;
                try {
                    finished.get();
                } catch (ExecutionException e) {
                    aborted = true;
                    if (first == null || first instanceof Aborted) {
                        first = e.getCause();
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (first instanceof IOException io) {
                throw io;
            }
            if (first instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (first instanceof Error error) {
                throw error;
            }
        }

        private Metadata.Losses losses(String path) {
            return (attribute, reason) -> skip(new SkippedEntry(path, reason, attribute));
        }

        private void skip(SkippedEntry entry) {
            skipped.add(entry);
            listener.onSkipped(entry);
        }

        /** Removes whatever the target holds at {@code dst}, without following links; free under a new directory. */
        private void clear(Path dst, String path) throws IOException {
            if (freshDirectories.contains(parentOf(path))) {
                return;
            }
            BasicFileAttributes existing = lstat(dst);
            if (existing == null) {
                return;
            }
            if (existing.isDirectory()) {
                deleteTree(dst);
            } else {
                Files.delete(dst);
            }
        }

        private Path resolve(String path) {
            return target.resolve(path);
        }

        private CopiedEntry entry(SourceTree.Entry e, EntryType type, long size, String sha256, String link) {
            return new CopiedEntry(e.path(), type, size, sha256, link, e.mode() & 07777, e.owner(), e.group(),
                    e.modified().toInstant(), e.accessed().toInstant());
        }

        @Override
        public void close() {
            aborted = true;
            workers.shutdown();
            hashers.shutdown();
            boolean interrupted = false;
            for (ExecutorService pool : List.of(workers, hashers)) {
                while (true) {
                    try {
                        if (pool.awaitTermination(1, TimeUnit.MINUTES)) {
                            break;
                        }
                    } catch (InterruptedException e) {
                        interrupted = true;
                        pool.shutdownNow();
                    }
                }
            }
            if (durable != null) {
                durable.close();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    private static BasicFileAttributes lstat(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** An existing target directory may be read-only; the copier restores its mode when it is done. */
    private static void makeWritable(Path dir) throws IOException {
        int mode = (Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & 0700) != 0700) {
            LibC.check(LibC.C.chmod(LibC.path(dir), (mode & 07777) | 0700), dir, "make the directory writable");
        }
    }

    private static void deleteTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                if (failure != null) {
                    throw failure;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static ExecutorService pool(String name, int threads) {
        AtomicInteger number = new AtomicInteger();
        return Executors.newFixedThreadPool(threads, task -> {
            Thread thread = new Thread(task, name + "-" + number.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }
}
