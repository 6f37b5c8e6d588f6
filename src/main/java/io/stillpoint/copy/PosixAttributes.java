package io.stillpoint.copy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Linux: one {@code lstat} per entry through the {@code unix} view; owner, group, mode, every xattr
 * namespace and nanosecond times through libc ({@link Metadata}, {@link Xattrs}); holes found with
 * {@code SEEK_DATA}; durability from one {@code syncfs} per file system ({@link TargetSync}). This is
 * the only strategy that touches {@link LibC}, so JNA loads libc only here.
 */
final class PosixAttributes implements AttributeStrategy {

    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_DIRECTORY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private static final String STAT = "unix:mode,ino,dev,nlink,uid,gid,size,lastModifiedTime,lastAccessTime";

    private final Map<Integer, String> owners = new HashMap<>();
    private final Map<Integer, String> groups = new HashMap<>();

    @Override
    public SourceTree.Entry stat(Path path, String relative, boolean followLinks) throws IOException {
        try {
            Map<String, Object> a = followLinks
                    ? Files.readAttributes(path, STAT)
                    : Files.readAttributes(path, STAT, LinkOption.NOFOLLOW_LINKS);
            int uid = (Integer) a.get("uid");
            int gid = (Integer) a.get("gid");
            return new SourceTree.Entry(
                    relative,
                    path,
                    (Integer) a.get("mode"),
                    uid,
                    gid,
                    owners.computeIfAbsent(uid, u -> principal(path, "posix:owner")),
                    groups.computeIfAbsent(gid, g -> principal(path, "posix:group")),
                    (Long) a.get("size"),
                    (FileTime) a.get("lastModifiedTime"),
                    (FileTime) a.get("lastAccessTime"),
                    (Long) a.get("dev"),
                    (Long) a.get("ino"),
                    (Integer) a.get("nlink"),
                    null);
        } catch (IOException e) {
            throw Failures.wrap(path, "cannot read the source's attributes", e);
        } catch (UncheckedIOException e) {
            throw Failures.wrap(path, "cannot read the source's owner", e.getCause());
        }
    }

    /** Names are looked up once per id: a passwd lookup per file would dominate a small-file tree. */
    private static String principal(Path path, String attribute) {
        try {
            Object p = Files.getAttribute(path, attribute, LinkOption.NOFOLLOW_LINKS);
            return p instanceof UserPrincipal u ? u.getName() : ((GroupPrincipal) p).getName();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Map<String, byte[]> extended(SourceTree.Entry source) throws IOException {
        return Xattrs.read(source.source());
    }

    @Override
    public void apply(SourceTree.Entry source, Map<String, byte[]> extended, Path target, Metadata.Losses losses)
            throws IOException {
        Metadata.apply(source, extended, target, losses);
    }

    /** With {@code O_NOATIME}: see {@link NoAtime} for why reading must not move a file's atime. */
    @Override
    public FileChannel openSource(Path source) throws IOException {
        FileChannel channel = FileChannel.open(source, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        NoAtime.apply(channel);
        return channel;
    }

    @Override
    public FileChannel createFile(Path target) throws IOException {
        return FileChannel.open(target, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), PRIVATE_FILE);
    }

    @Override
    public void createDirectory(Path dir) throws IOException {
        Files.createDirectory(dir, PRIVATE_DIRECTORY);
    }

    /** An existing target directory may be read-only; the copier restores its mode when it is done. */
    @Override
    public void makeWritable(Path dir) throws IOException {
        int mode = (Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & 0700) != 0700) {
            LibC.check(LibC.C.chmod(LibC.path(dir), (mode & 07777) | 0700), dir, "make the directory writable");
        }
    }

    /** Unlinking needs write permission on the directory only, so a read-only file is no obstacle. */
    @Override
    public void delete(Path path) throws IOException {
        Files.delete(path);
    }

    @Override
    public DataExtents extents(Path source, long size) throws IOException {
        return new DataExtents(source, size);
    }

    @Override
    public Writeback writeback(Path target) throws IOException {
        return new Writeback(target);
    }

    @Override
    public void setSize(Path target, long size) throws IOException {
        LibC.check(LibC.C.truncate(LibC.path(target), size), target, "set the file size");
    }

    @Override
    public Durability durability() {
        return new TargetSync();
    }

    @Override
    public Integer mode(SourceTree.Entry source) {
        return source.mode() & 07777;
    }
}
