package io.stillpoint.copy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.AclEntry;
import java.nio.file.attribute.AclFileAttributeView;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.DosFileAttributeView;
import java.nio.file.attribute.DosFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.Map;

/**
 * A file store without the {@code unix} view: NTFS or ReFS on the Windows host where the Hyper-V
 * writer exposes its shadow copy. Keeps what {@code xcopy /O /X /R /H} keeps, as far as the JDK reaches:
 * DOS flags (read-only, hidden, system, archive), owner and DACL, and the creation, modification and
 * access times; each only where both stores support its view. Everything goes through the JDK, so
 * libc is never loaded.
 *
 * <p>What the JDK cannot reach is not kept: the SACL ({@code /X}), the primary group, alternate data
 * streams; inherited ACL entries come back as explicit ones, since the JDK does not expose the inherited
 * flag. Hard links are copied as separate files, because Windows gives the JDK no file key to group
 * them by. Holes cannot be found without {@code SEEK_DATA}, so every byte is read, but all-zero chunks
 * are not written and the target is created sparse, so a VM disk's unused space stays unallocated.
 */
final class PortableAttributes implements AttributeStrategy {

    /** What the portable strategy keeps of a source entry, read once when the tree is scanned. */
    record Kept(FileTime created, String dos, UserPrincipal owner, List<AclEntry> acl) {}

    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
    private static final int S_IFLNK = 0120000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFDIR = 0040000;

    private final boolean dos;
    private final boolean acl;
    private final boolean owner;

    PortableAttributes(boolean dos, boolean acl, boolean owner) {
        this.dos = dos;
        this.acl = acl;
        this.owner = owner;
    }

    static PortableAttributes between(FileStore from, FileStore to) {
        return new PortableAttributes(both(from, to, "dos"), both(from, to, "acl"), both(from, to, "owner"));
    }

    private static boolean both(FileStore from, FileStore to, String view) {
        return from.supportsFileAttributeView(view) && to.supportsFileAttributeView(view);
    }

    @Override
    public SourceTree.Entry stat(Path path, String relative, boolean followLinks) throws IOException {
        LinkOption[] options = followLinks ? new LinkOption[0] : NOFOLLOW;
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, options);
            int type = a.isDirectory() ? S_IFDIR : a.isRegularFile() ? S_IFREG : a.isSymbolicLink() ? S_IFLNK : 0;
            String flags = null;
            UserPrincipal who = null;
            List<AclEntry> entries = null;
            // A link keeps only its times: on Linux its DOS flags live in an xattr a link cannot carry,
            // and on Windows its security is that of the reparse point, which the JDK does not address.
            if (!a.isSymbolicLink()) {
                if (dos) {
                    flags = letters(Files.readAttributes(path, DosFileAttributes.class, options));
                }
                if (owner) {
                    who = Files.getOwner(path, options);
                }
                if (acl) {
                    entries = Files.getFileAttributeView(path, AclFileAttributeView.class, options).getAcl();
                }
            }
            return new SourceTree.Entry(relative, path, type, -1, -1, who == null ? null : who.getName(), null,
                    a.size(), a.lastModifiedTime(), a.lastAccessTime(), 0, 0, 1,
                    new Kept(a.creationTime(), flags, who, entries));
        } catch (IOException e) {
            throw Failures.wrap(path, "cannot read the source's attributes", e);
        }
    }

    /** The DOS flags as {@code attrib} shows them: R read-only, H hidden, S system, A archive. */
    static String letters(DosFileAttributes a) {
        StringBuilder s = new StringBuilder(4);
        if (a.isReadOnly()) {
            s.append('R');
        }
        if (a.isHidden()) {
            s.append('H');
        }
        if (a.isSystem()) {
            s.append('S');
        }
        if (a.isArchive()) {
            s.append('A');
        }
        return s.toString();
    }

    @Override
    public Map<String, byte[]> extended(SourceTree.Entry source) {
        return Map.of();
    }

    /**
     * Times first, since nothing after them changes them here; the read-only flag does not stop
     * Windows from setting attributes or security. The ACL goes before the owner: once the file is
     * given away, setting its DACL may no longer be allowed. Owner and ACL may name accounts the target
     * cannot hold, or need the restore privilege; the copy keeps the content and reports them as lost.
     */
    @Override
    public void apply(SourceTree.Entry source, Map<String, byte[]> extended, Path target, Metadata.Losses losses)
            throws IOException {
        Kept kept = source.portable();
        Files.getFileAttributeView(target, BasicFileAttributeView.class, NOFOLLOW)
                .setTimes(source.modified(), source.accessed(), kept.created());
        if (kept.dos() != null) {
            DosFileAttributeView view = Files.getFileAttributeView(target, DosFileAttributeView.class, NOFOLLOW);
            view.setArchive(kept.dos().indexOf('A') >= 0);
            view.setHidden(kept.dos().indexOf('H') >= 0);
            view.setSystem(kept.dos().indexOf('S') >= 0);
            view.setReadOnly(kept.dos().indexOf('R') >= 0);
        }
        if (kept.acl() != null) {
            try {
                Files.getFileAttributeView(target, AclFileAttributeView.class, NOFOLLOW).setAcl(kept.acl());
            } catch (IOException e) {
                losses.lost("acl", "ACL not kept: " + Failures.plainWords(e));
            }
        }
        if (kept.owner() != null && !kept.owner().equals(Files.getOwner(target, NOFOLLOW))) {
            try {
                Files.setOwner(target, kept.owner());
            } catch (IOException e) {
                losses.lost("owner", "owner " + kept.owner().getName() + " not kept: " + Failures.plainWords(e)
                        + " (giving a file away needs the restore privilege)");
            }
        }
    }

    /** Windows has no open flag that leaves the access time alone; the JDK's plain open it is. */
    @Override
    public FileChannel openSource(Path source) throws IOException {
        return FileChannel.open(source, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    }

    /** Sparse, so that the all-zero chunks the copier skips stay holes instead of being zero-filled. */
    @Override
    public FileChannel createFile(Path target) throws IOException {
        return FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.SPARSE);
    }

    @Override
    public void createDirectory(Path dir) throws IOException {
        Files.createDirectory(dir);
    }

    /** Windows ignores a directory's read-only flag when entries are created in it; nothing to do. */
    @Override
    public void makeWritable(Path dir) {}

    /** Windows refuses to delete a read-only file, so the flag is cleared first, as {@code xcopy /R} does. */
    @Override
    public void delete(Path path) throws IOException {
        try {
            Files.delete(path);
        } catch (AccessDeniedException e) {
            DosFileAttributeView view = dos ? Files.getFileAttributeView(path, DosFileAttributeView.class, NOFOLLOW) : null;
            if (view == null || !view.readAttributes().isReadOnly()) {
                throw e;
            }
            view.setReadOnly(false);
            Files.delete(path);
        }
    }

    @Override
    public DataExtents extents(Path source, long size) {
        return null;
    }

    @Override
    public Writeback writeback(Path target) {
        return null;
    }

    /** {@code SetEndOfFile} on Windows: the sparse file grows by a hole, nothing is written. */
    @Override
    public void setSize(Path target, long size) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(target.toFile(), "rw")) {
            file.setLength(size);
        }
    }

    /**
     * Each file is forced as it is finished. Directories are not: Windows gives Java no handle on a
     * directory to flush, and NTFS keeps its directory changes in its own metadata log.
     */
    @Override
    public Durability durability() {
        return new Durability() {
            @Override
            public void add(Path directory) {}

            @Override
            public void written(FileChannel out) throws IOException {
                out.force(true);
            }

            @Override
            public void sync() {}

            @Override
            public void close() {}
        };
    }

    @Override
    public Integer mode(SourceTree.Entry source) {
        return null;
    }
}
