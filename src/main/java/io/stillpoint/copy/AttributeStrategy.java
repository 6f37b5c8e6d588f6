package io.stillpoint.copy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * How one copy reads, keeps and makes durable what a file is besides its content. Chosen per copy from
 * what both file stores support, because the two worlds keep different things: a Linux file system has
 * mode bits, uid/gid and extended attributes (POSIX ACLs among them) reached through libc, while NTFS
 * or ReFS under Windows has DOS flags, a creation time, an owner SID and an ACL, reached through the
 * JDK's {@code dos}, {@code owner} and {@code acl} views, and no libc at all.
 */
interface AttributeStrategy {

    /** Picks the strategy for copying {@code source} into {@code target} (which need not exist yet). */
    @FunctionalInterface
    interface Selector {
        AttributeStrategy choose(Path source, Path target) throws IOException;
    }

    /** POSIX wherever both sides have the {@code unix} view (every Linux file system), else portable. */
    static AttributeStrategy select(Path source, Path target) throws IOException {
        FileStore from = Files.getFileStore(source);
        FileStore to = Files.getFileStore(existingAncestor(target));
        if (from.supportsFileAttributeView("unix") && to.supportsFileAttributeView("unix")) {
            return new PosixAttributes();
        }
        return PortableAttributes.between(from, to);
    }

    /** The portable strategy even where POSIX is available, so it can be exercised on Linux. */
    static AttributeStrategy portable(Path source, Path target) throws IOException {
        return PortableAttributes.between(Files.getFileStore(source), Files.getFileStore(existingAncestor(target)));
    }

    private static Path existingAncestor(Path path) {
        Path p = path.toAbsolutePath();
        while (p.getParent() != null && !Files.exists(p)) {
            p = p.getParent();
        }
        return p;
    }

    /** One entry's attributes, from a single look at it; {@code followLinks} only for the tree's root. */
    SourceTree.Entry stat(Path path, String relative, boolean followLinks) throws IOException;

    /** Whatever must be read from the source right before the entry is copied and set on the copy after. */
    Map<String, byte[]> extended(SourceTree.Entry source) throws IOException;

    /** Sets everything kept about {@code source} on {@code target}, the content already written. */
    void apply(SourceTree.Entry source, Map<String, byte[]> extended, Path target, Metadata.Losses losses)
            throws IOException;

    /** Opens a source file for reading, never following a link, leaving its access time alone where the system can. */
    FileChannel openSource(Path source) throws IOException;

    /** Creates a new, empty file that only the copier can reach until its attributes are set. */
    FileChannel createFile(Path target) throws IOException;

    void createDirectory(Path dir) throws IOException;

    /** Lets the copier create entries in an existing target directory; {@link #apply} restores it. */
    void makeWritable(Path dir) throws IOException;

    /** Removes a non-directory target entry, even a read-only one (xcopy {@code /R}). */
    void delete(Path path) throws IOException;

    /** The data extents of a source file, or {@code null} when the system cannot tell holes from data. */
    DataExtents extents(Path source, long size) throws IOException;

    /** Early writeback of a large target file, or {@code null} where there is no such hint. */
    Writeback writeback(Path target) throws IOException;

    /** Extends {@code target} to its logical size without writing, after a trailing hole. */
    void setSize(Path target, long size) throws IOException;

    /** Makes every file and directory the copy writes durable before the copy returns. */
    Durability durability();

    /** The POSIX permission bits recorded for the entry, or {@code null} where the store has none. */
    Integer mode(SourceTree.Entry source);

    interface Durability extends AutoCloseable {

        /** Registers a target directory the copy writes into. */
        void add(Path directory) throws IOException;

        /** Called with each file's channel once its content is written, before it is closed. */
        void written(FileChannel out) throws IOException;

        /** Returns once everything written is on disk. */
        void sync() throws IOException;

        @Override
        void close();
    }
}
