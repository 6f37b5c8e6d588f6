package io.stillpoint.copy;

import io.stillpoint.fs.NoFollowDelete;
import io.stillpoint.writer.ChangedRanges;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Copies a directory tree with the semantics of {@code xcopy /E /S /Y /F /O /X /R /H}: every entry
 * including empty directories and hidden files; existing target entries replaced (a read-only target
 * file is no obstacle); symbolic links as links, never followed; holes kept. What else is kept depends
 * on the file stores ({@link AttributeStrategy}): on Linux owner, group, mode, POSIX ACLs and all
 * extended attributes, mtime and atime, and hard links inside the tree as hard links; on Windows the
 * DOS flags, owner and DACL, and creation, modification and access times ({@link PortableAttributes}).
 * Sockets, FIFOs and devices are reported as skipped and never opened.
 *
 * <p>The copy runs in phases, so that no step undoes an earlier one:
 * <ol>
 *   <li>scan the source (attributes only) for totals, hard-link groups and the original times;
 *   <li>create the directories, parents first, writable by the copier only;
 *   <li>copy files and symbolic links on {@link CopyOptions#threads()} threads, largest first, each
 *       file's content, digest and attributes, times last;
 *   <li>link the later names of hard-linked files (linking changes no times of the file);
 *   <li>finish the directories children first: their attributes (a default ACL set earlier would have
 *       been inherited by the copied children), times last;
 *   <li>with {@link CopyOptions#fsync()}, make it durable: on Linux one {@code syncfs} per target file
 *       system (see {@link TargetSync}), elsewhere each file forced as it is written.
 * </ol>
 *
 * <p>With a {@link Baseline}, the previous restore point's copy of the same tree, a file it knows is shared
 * with its previous copy rather than copied ({@link Sharing}; {@link SharingCopier} does it): the phases stay
 * the same, only step 3 writes less, and the previous copy is never written.
 *
 * <p>On failure or cancellation the copy stops every thread before it throws; the partial target is
 * left for the caller to remove.
 */
public final class TreeCopier {

    private final CopyOptions options;
    private final AttributeStrategy.Selector attributes;

    public TreeCopier(CopyOptions options) {
        this(options, AttributeStrategy::select);
    }

    /** With the attribute strategy chosen by {@code attributes}, e.g. the portable one on Linux in tests. */
    TreeCopier(CopyOptions options, AttributeStrategy.Selector attributes) {
        this.options = options;
        this.attributes = attributes;
    }

    /**
     * Copies the tree under {@code source} into {@code target}, which is created if missing: a full copy.
     *
     * @throws CopyException naming the file that could not be read or written, and why
     * @throws CancellationException when {@code cancel} was signalled
     */
    public CopyResult copy(Path source, Path target, CopyListener listener, CancellationSignal cancel)
            throws IOException {
        return copy(source, target, listener, cancel, null);
    }

    /**
     * Copies the tree under {@code source} into {@code target}, sharing unchanged data with the previous restore
     * point's copy of the same tree as {@code baseline} says ({@link Sharing}). Files the baseline does not know
     * are copied whole. Nothing under {@link Baseline#root()} is ever written or has its attributes changed.
     * Progress still runs over every file's whole logical size, read or not.
     *
     * @param baselineOrNull {@code null} for a full copy, as {@link #copy(Path, Path, CopyListener, CancellationSignal)}
     * @throws CopyException naming the file that could not be read or written, and why, or when the target and
     *     the baseline's root overlap
     * @throws CancellationException when {@code cancel} was signalled
     */
    public CopyResult copy(Path source, Path target, CopyListener listener, CancellationSignal cancel,
            Baseline baselineOrNull) throws IOException {
        long started = System.nanoTime();
        cancel.throwIfCancelled();
        if (target.toAbsolutePath().normalize().startsWith(source.toAbsolutePath().normalize())) {
            throw new CopyException(target, "the target lies inside the source", null);
        }
        Path previousRoot = baselineOrNull == null ? null : previousRoot(baselineOrNull, target);
        AttributeStrategy strategy = attributes.choose(source, target);
        SourceTree tree = SourceTree.scan(source, strategy, cancel);
        try (Run run = new Run(tree, strategy, target, listener, cancel, previousRoot == null ? null : baselineOrNull,
                previousRoot)) {
            run.execute();
            return run.result(Duration.ofNanos(System.nanoTime() - started));
        }
    }

    /**
     * The baseline root's real path, or {@code null} when it is gone (then the copy is a full one). Compared by
     * real path with the target, so that no link can make the copy write into the previous point.
     */
    private static Path previousRoot(Baseline baseline, Path target) throws IOException {
        Path root;
        try {
            root = baseline.root().toRealPath();
        } catch (NoSuchFileException gone) {
            return null;
        }
        Path existing = target.toAbsolutePath().normalize();
        while (existing.getParent() != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        Path realTarget = existing.toRealPath().resolve(existing.relativize(target.toAbsolutePath().normalize()));
        if (realTarget.startsWith(root) || root.startsWith(realTarget)) {
            throw new CopyException(target, "the target and the previous point's copy " + root + " overlap", null);
        }
        return root;
    }

    /** Thrown in the other threads once one entry has failed, so they stop at their next chunk. */
    private static final class Aborted extends CancellationException {
        Aborted() {
            super("stopped because another entry failed");
        }
    }

    private final class Run implements AutoCloseable {

        private final SourceTree tree;
        private final AttributeStrategy attributes;
        private final Path target;
        private final CopyListener listener;
        private final CancellationSignal cancel;
        private final Map<String, String> laterNames;
        private final Set<String> freshDirectories = new HashSet<>();
        private final List<CopiedEntry> copied = Collections.synchronizedList(new ArrayList<>());
        private final List<SkippedEntry> skipped = Collections.synchronizedList(new ArrayList<>());
        private final Map<String, List<byte[]>> chunkDigests = new ConcurrentHashMap<>();
        private final List<String> notes = Collections.synchronizedList(new ArrayList<>());
        private final AtomicLong bytesCopied = new AtomicLong();
        private final AtomicLong bytesRead = new AtomicLong();
        private final AtomicLong bytesWritten = new AtomicLong();
        private final AtomicLong bytesShared = new AtomicLong();
        private final AtomicLong filesCopied = new AtomicLong();
        private final ProgressMeter progress;
        private final ExecutorService workers;
        private final ExecutorService hashers;
        private final SparseFileCopier files;
        private final AttributeStrategy.Durability durable;
        private final Baseline baseline;
        private final Path previousRoot;
        private final SharingCopier sharer;
        private volatile boolean aborted;

        Run(SourceTree tree, AttributeStrategy attributes, Path target, CopyListener listener,
                CancellationSignal cancel, Baseline baseline, Path previousRoot) {
            this.baseline = baseline;
            this.previousRoot = previousRoot;
            this.tree = tree;
            this.attributes = attributes;
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
            this.files = new SparseFileCopier(attributes, hashers, Throttle.of(options.bandwidthBytesPerSecond()),
                    progress, this::checkpoint);
            this.durable = options.fsync() ? attributes.durability() : null;
            this.sharer = new SharingCopier(attributes, files, progress, this::checkpoint);
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
            List<String> sortedNotes = new ArrayList<>(notes);
            sortedNotes.sort(null);
            return new CopyResult(entries, skips, bytesCopied.get(), filesCopied.get(), elapsed, bytesRead.get(),
                    bytesWritten.get(), bytesShared.get(), new TreeMap<>(chunkDigests), sortedNotes);
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
                    attributes.createDirectory(target);
                    freshDirectories.add("");
                } else if (existing.isDirectory()) {
                    attributes.makeWritable(target);
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
                            attributes.makeWritable(dst);
                            if (durable != null) {
                                durable.add(dst);
                            }
                            continue;
                        }
                        if (existing != null) {
                            attributes.delete(dst);
                        }
                    }
                    attributes.createDirectory(dst);
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
                    attributes.apply(e, attributes.extended(e), dst, losses(e.path()));
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
            Map<String, byte[]> extended = attributes.extended(e);
            Path previousCopy = previousCopy(e.path());
            PreviousFile previous = previousCopy == null ? null : baseline.files().get(e.path());
            ChangedRanges changed = previous == null || baseline.changes() == null ? null : baseline.changes().get(e.path());
            if (previous != null && baseline.sharing() == Sharing.LINK) {
                CopiedEntry linked = link(e, extended, dst, previousCopy, previous, changed);
                if (linked != null) {
                    return linked;
                }
            }
            try (FileChannel in = attributes.openSource(e.source());
                    FileChannel out = attributes.createFile(dst)) {
                long size = in.size();
                if (previous != null && baseline.sharing() == Sharing.CLONE) {
                    String[] whyNot = new String[1];
                    SharingCopier.Shared shared = sharer.cloneAndPatch(e.source(), in, dst, previousCopy, previous,
                            changed, whyNot);
                    if (shared != null) {
                        if (durable != null) {
                            durable.written(out);
                        }
                        attributes.apply(e, extended, dst, losses(e.path()));
                        bytesShared.addAndGet(shared.bytesShared());
                        return copied(e, size, shared.copy());
                    }
                    notes.add(e.path() + ": copied whole, not cloned from the previous point: " + whyNot[0]);
                }
                SparseFileCopier.FileCopy copy = files.copy(e.source(), in, dst, out, size, options.fsync());
                if (durable != null) {
                    durable.written(out);
                }
                attributes.apply(e, extended, dst, losses(e.path()));
                return copied(e, size, copy);
            }
        }

        /**
         * A hard link to the previous copy when the file is unchanged in content and metadata, else {@code null}
         * (the caller copies it whole). Nothing is set on the linked inode: it belongs to a committed point.
         */
        private CopiedEntry link(SourceTree.Entry e, Map<String, byte[]> extended, Path dst, Path previousCopy,
                PreviousFile previous, ChangedRanges changed) throws IOException {
            long[] read = {0};
            boolean same = sharer.canLink(e, extended, previousCopy, previous, changed, read);
            bytesRead.addAndGet(read[0]);
            if (!same) {
                return null;
            }
            try {
                Files.createLink(dst, previousCopy);
            } catch (FileSystemException refused) {
                // E.g. EMLINK: an inode shared by tens of thousands of points takes no more names.
                notes.add(e.path() + ": copied whole, not linked to the previous point: " + refused.getMessage());
                return null;
            }
            progress.addBytes(previous.size());
            bytesCopied.addAndGet(previous.size());
            bytesShared.addAndGet(dataBytes(previous));
            chunkDigests.put(e.path(), previous.chunkDigests());
            CopiedEntry linked = entry(e, EntryType.FILE, previous.size(), previous.sha256(), null);
            Instant accessed = Files.readAttributes(dst, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .lastAccessTime().toInstant();
            return new CopiedEntry(linked.path(), linked.type(), linked.size(), linked.sha256(), linked.linkTarget(),
                    linked.mode(), linked.owner(), linked.group(), linked.modified(), accessed, linked.created(),
                    linked.dos(), linked.acl());
        }

        /**
         * The previous point's copy of {@code path} when the baseline knows it and it is still a regular file of
         * the recorded size in a folder that really lies in the previous point; else {@code null}.
         */
        private Path previousCopy(String path) throws IOException {
            PreviousFile previous = baseline == null ? null : baseline.files().get(path);
            if (previous == null) {
                return null;
            }
            Path candidate = previousRoot.resolve(path);
            Path folder;
            try {
                folder = candidate.getParent().toRealPath();
            } catch (NoSuchFileException gone) {
                return null;
            }
            if (!folder.startsWith(previousRoot)) {
                return null;
            }
            Path file = folder.resolve(candidate.getFileName());
            BasicFileAttributes found = lstat(file);
            return found != null && found.isRegularFile() && found.size() == previous.size() ? file : null;
        }

        private CopiedEntry copied(SourceTree.Entry e, long size, SparseFileCopier.FileCopy copy) {
            bytesCopied.addAndGet(size);
            bytesRead.addAndGet(copy.bytesRead());
            bytesWritten.addAndGet(copy.bytesWritten());
            chunkDigests.put(e.path(), copy.chunkDigests());
            return entry(e, EntryType.FILE, size, copy.sha256(), null);
        }

        /** Logical bytes of the chunks that hold data. */
        private static long dataBytes(PreviousFile previous) {
            long bytes = 0;
            List<byte[]> chunks = previous.chunkDigests();
            for (int i = 0; i < chunks.size(); i++) {
                if (!ContentDigest.isZeroChunk(chunks.get(i))) {
                    bytes += Math.min(ContentDigest.CHUNK, previous.size() - (long) i * ContentDigest.CHUNK);
                }
            }
            return bytes;
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
                attributes.apply(e, attributes.extended(e), dst, losses(e.path()));
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
                // Through openat, never following a link: a directory swapped for a link while it is deleted, or
                // a junction in it, must not lead the delete out of the target.
                NoFollowDelete.entry(dst.getParent(), dst.getFileName().toString());
            } else {
                attributes.delete(dst);
            }
        }

        private Path resolve(String path) {
            return target.resolve(path);
        }

        private CopiedEntry entry(SourceTree.Entry e, EntryType type, long size, String sha256, String link) {
            PortableAttributes.Kept kept = e.portable();
            return new CopiedEntry(e.path(), type, size, sha256, link, attributes.mode(e), e.owner(), e.group(),
                    e.modified().toInstant(), e.accessed().toInstant(),
                    kept == null || kept.created() == null ? null : kept.created().toInstant(),
                    kept == null ? null : kept.dos(),
                    kept == null || kept.acl() == null ? null : AccessEntry.of(kept.acl()));
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

    private static ExecutorService pool(String name, int threads) {
        AtomicInteger number = new AtomicInteger();
        return Executors.newFixedThreadPool(threads, task -> {
            Thread thread = new Thread(task, name + "-" + number.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }
}
