package io.stillpoint.copy;

import static io.stillpoint.copy.CopyFixtures.attribute;
import static io.stillpoint.copy.CopyFixtures.isRoot;
import static io.stillpoint.copy.CopyFixtures.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** One test per xcopy switch: each fails if the copy loses what the switch promises. */
class TreeCopierTest {

    @TempDir
    Path dir;

    Path src;
    Path dst;
    final CopyFixtures.Recorder listener = new CopyFixtures.Recorder();

    private CopyResult copy() throws IOException {
        return copy(CopyOptions.defaults());
    }

    private CopyResult copy(CopyOptions options) throws IOException {
        return new TreeCopier(options).copy(src, dst, listener, new CancellationSignal());
    }

    @org.junit.jupiter.api.BeforeEach
    void paths() throws IOException {
        src = Files.createDirectory(dir.resolve("src"));
        dst = dir.resolve("dst");
    }

    @Test
    void copiesTheWholeTreeIncludingEmptyDirectories() throws Exception { // /E /S
        Files.createDirectories(src.resolve("a/b/empty"));
        Files.createDirectories(src.resolve("c/also-empty"));
        Files.writeString(src.resolve("a/b/file.txt"), "hello");
        Files.writeString(src.resolve("top.txt"), "top");

        CopyResult result = copy();

        assertThat(dst.resolve("a/b/empty")).isEmptyDirectory();
        assertThat(dst.resolve("c/also-empty")).isEmptyDirectory();
        assertThat(dst.resolve("a/b/file.txt")).hasContent("hello");
        assertThat(dst.resolve("top.txt")).hasContent("top");
        assertThat(result.entries()).extracting(CopiedEntry::path)
                .containsExactly("a", "a/b", "a/b/empty", "a/b/file.txt", "c", "c/also-empty", "top.txt");
        assertThat(result.entries()).filteredOn(e -> e.path().equals("a/b/empty"))
                .extracting(CopiedEntry::type).containsExactly(EntryType.DIRECTORY);
        assertThat(result.filesCopied()).isEqualTo(2);
        assertThat(result.bytesCopied()).isEqualTo(8);
    }

    @Test
    void overwritesWhateverTheTargetAlreadyHolds() throws Exception { // /Y
        Files.createDirectories(src.resolve("was-a-file"));
        Files.writeString(src.resolve("was-a-directory"), "now a file");
        Files.writeString(src.resolve("same.txt"), "new");
        Files.createDirectories(src.resolve("was-a-link"));
        Files.writeString(src.resolve("was-a-link/inside.txt"), "stays inside");
        Path outside = Files.createDirectory(dir.resolve("outside"));

        Files.createDirectories(dst.resolve("was-a-directory/child"));
        Files.writeString(dst.resolve("was-a-file"), "old file");
        Files.writeString(dst.resolve("same.txt"), "old content that is longer");
        Files.createSymbolicLink(dst.resolve("was-a-link"), outside);

        copy();

        assertThat(dst.resolve("was-a-file")).isDirectory();
        assertThat(dst.resolve("was-a-directory")).hasContent("now a file");
        assertThat(dst.resolve("same.txt")).hasContent("new");
        assertThat(Files.isSymbolicLink(dst.resolve("was-a-link"))).isFalse();
        assertThat(dst.resolve("was-a-link/inside.txt")).hasContent("stays inside");
        assertThat(outside).isEmptyDirectory();
    }

    /** A directory of the target replaced by a file goes without a link in it leading the delete outside. */
    @Test
    void aDirectoryReplacedByAFileIsRemovedWithoutFollowingTheLinksInIt() throws Exception {
        Files.writeString(src.resolve("was-a-directory"), "now a file");
        Path outside = Files.createDirectories(dir.resolve("outside/deep"));
        Files.writeString(outside.resolve("keep.txt"), "keep");
        Path replaced = Files.createDirectories(dst.resolve("was-a-directory/sub"));
        Files.createSymbolicLink(replaced.resolve("to-dir"), dir.resolve("outside"));
        Files.createSymbolicLink(replaced.resolve("to-file"), outside.resolve("keep.txt"));
        Files.writeString(replaced.resolve("old.txt"), "old");

        copy();

        assertThat(dst.resolve("was-a-directory")).hasContent("now a file");
        assertThat(outside.resolve("keep.txt")).hasContent("keep");
    }

    @Test
    void reportsEveryEntryWritten() throws Exception { // /F
        Files.createDirectories(src.resolve("d"));
        Files.writeString(src.resolve("d/f"), "x");
        Files.createSymbolicLink(src.resolve("l"), Path.of("d/f"));

        copy();

        Map<Path, Path> reported = listener.entries.stream().collect(Collectors.toMap(p -> p[0], p -> p[1]));
        assertThat(reported).containsOnly(
                Map.entry(src.resolve("d"), dst.resolve("d")),
                Map.entry(src.resolve("d/f"), dst.resolve("d/f")),
                Map.entry(src.resolve("l"), dst.resolve("l")));
    }

    @Test
    void keepsOwnerAndGroup() throws Exception { // /O
        assumeTrue(isRoot(), "only root may give files away");
        Path file = Files.writeString(src.resolve("owned"), "x");
        Path sub = Files.createDirectory(src.resolve("owned-dir"));
        Path link = Files.createSymbolicLink(src.resolve("owned-link"), Path.of("owned"));
        for (Path p : List.of(file, sub, link)) {
            Files.setAttribute(p, "unix:uid", 1234, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(p, "unix:gid", 2345, LinkOption.NOFOLLOW_LINKS);
        }

        CopyResult result = copy();

        for (String name : List.of("owned", "owned-dir", "owned-link")) {
            assertThat(attribute(dst.resolve(name), "unix:uid")).as(name).isEqualTo(1234);
            assertThat(attribute(dst.resolve(name), "unix:gid")).as(name).isEqualTo(2345);
        }
        assertThat(result.entries()).filteredOn(e -> e.path().equals("owned"))
                .extracting(CopiedEntry::owner, CopiedEntry::group).containsExactly(org.assertj.core.groups.Tuple.tuple("1234", "2345"));
        assertThat(result.skipped()).isEmpty();
    }

    @Test
    void keepsPermissionsIncludingReadOnlyAndSetId() throws Exception { // /O
        Map<String, Integer> modes = Map.of("ro", 0444, "private", 0600, "exec", 0755, "setuid", 04755, "odd", 0071);
        for (Map.Entry<String, Integer> m : modes.entrySet()) {
            Path p = Files.writeString(src.resolve(m.getKey()), m.getKey());
            Files.setAttribute(p, "unix:mode", m.getValue());
        }
        Path lockedDir = Files.createDirectory(src.resolve("locked"));
        Files.writeString(lockedDir.resolve("inside"), "x");
        Files.setAttribute(lockedDir, "unix:mode", 0555);
        Path sticky = Files.createDirectory(src.resolve("sticky"));
        Files.setAttribute(sticky, "unix:mode", 01777);

        CopyResult result = copy();

        for (Map.Entry<String, Integer> m : modes.entrySet()) {
            assertThat((int) attribute(dst.resolve(m.getKey()), "unix:mode") & 07777).as(m.getKey()).isEqualTo(m.getValue());
        }
        assertThat((int) attribute(dst.resolve("locked"), "unix:mode") & 07777).isEqualTo(0555);
        assertThat(dst.resolve("locked/inside")).hasContent("x");
        assertThat((int) attribute(dst.resolve("sticky"), "unix:mode") & 07777).isEqualTo(01777);
        assertThat(result.entries()).filteredOn(e -> e.path().equals("ro")).extracting(CopiedEntry::mode).containsExactly(0444);
    }

    @Test
    void keepsPosixAcls() throws Exception { // /O (DACL)
        Path file = Files.writeString(src.resolve("acl-file"), "x");
        Path sub = Files.createDirectory(src.resolve("acl-dir"));
        Files.writeString(sub.resolve("child"), "no acl of its own");
        sh("setfacl", "-m", "u:1234:r,g:2345:rw", file.toString());
        sh("setfacl", "-m", "u:1234:rx", sub.toString());
        sh("setfacl", "-d", "-m", "u:1234:rwx", sub.toString());

        copy();

        for (String name : List.of("acl-file", "acl-dir", "acl-dir/child")) {
            assertThat(sh("getfacl", "-c", "-n", dst.resolve(name).toString()))
                    .as(name)
                    .isEqualTo(sh("getfacl", "-c", "-n", src.resolve(name).toString()));
        }
        assertThat(sh("getfacl", "-c", "-n", dst.resolve("acl-file").toString())).contains("user:1234:r--");
        assertThat(sh("getfacl", "-c", "-n", dst.resolve("acl-dir").toString())).contains("default:user:1234:rwx");
        assertThat(Xattrs.read(dst.resolve("acl-file")).get("system.posix_acl_access"))
                .isEqualTo(Xattrs.read(file).get("system.posix_acl_access"));
    }

    @Test
    void keepsUserExtendedAttributes() throws Exception { // /X
        Path file = Files.writeString(src.resolve("tagged"), "x");
        Path sub = Files.createDirectory(src.resolve("tagged-dir"));
        sh("setfattr", "-n", "user.backup.tag", "-v", "v1", file.toString());
        sh("setfattr", "-n", "user.binary", "-v", "0x00ff10", file.toString());
        sh("setfattr", "-n", "user.dir", "-v", "d", sub.toString());

        copy();

        assertThat(Xattrs.read(dst.resolve("tagged"))).containsOnlyKeys("user.backup.tag", "user.binary");
        assertThat(Xattrs.read(dst.resolve("tagged")).get("user.binary")).containsExactly(0x00, 0xff, 0x10);
        assertThat(Xattrs.read(dst.resolve("tagged-dir")).get("user.dir")).containsExactly('d');
    }

    @Test
    void keepsTrustedAndSecurityExtendedAttributes() throws Exception { // /X (SACL's closest kin)
        assumeTrue(isRoot(), "trusted.* and security.* need CAP_SYS_ADMIN");
        Path file = Files.writeString(src.resolve("privileged"), "x");
        sh("setfattr", "-n", "trusted.stillpoint", "-v", "t1", file.toString());
        sh("setfattr", "-n", "security.stillpoint", "-v", "s1", file.toString());

        CopyResult result = copy();

        Map<String, byte[]> copied = Xattrs.read(dst.resolve("privileged"));
        assertThat(copied.get("trusted.stillpoint")).containsExactly('t', '1');
        assertThat(copied.get("security.stillpoint")).containsExactly('s', '1');
        assertThat(result.skipped()).isEmpty();
    }

    @Test
    void overwritesReadOnlyTargetFiles() throws Exception { // /R
        Files.writeString(src.resolve("ro.txt"), "new");
        Files.createDirectories(dst);
        Path old = Files.writeString(dst.resolve("ro.txt"), "old, read-only");
        Files.setAttribute(old, "unix:mode", 0444);
        Path lockedDir = Files.createDirectories(dst.resolve("sub"));
        Files.createDirectories(src.resolve("sub"));
        Files.writeString(src.resolve("sub/f"), "into a read-only target directory");
        Files.setAttribute(lockedDir, "unix:mode", 0555);

        copy();

        assertThat(dst.resolve("ro.txt")).hasContent("new");
        assertThat(dst.resolve("sub/f")).hasContent("into a read-only target directory");
    }

    @Test
    void copiesHiddenFiles() throws Exception { // /H
        Files.writeString(src.resolve(".hidden"), "h");
        Files.createDirectories(src.resolve(".config/.deeper"));
        Files.writeString(src.resolve(".config/.deeper/.rc"), "rc");

        copy();

        assertThat(dst.resolve(".hidden")).hasContent("h");
        assertThat(dst.resolve(".config/.deeper/.rc")).hasContent("rc");
    }

    @Test
    void keepsModificationAndAccessTimes() throws Exception {
        FileTime mtime = FileTime.from(Instant.parse("2001-02-03T04:05:06.123456789Z"));
        FileTime atime = FileTime.from(Instant.parse("2002-03-04T05:06:07.987654321Z"));
        Path sub = Files.createDirectory(src.resolve("sub"));
        Path file = Files.writeString(sub.resolve("file"), "content");
        Path link = Files.createSymbolicLink(sub.resolve("link"), Path.of("file"));
        for (Path p : List.of(file, link, sub)) {
            Files.getFileAttributeView(p, java.nio.file.attribute.BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(mtime, atime, null);
        }

        // The JDK sets a link's times with lutimes (microseconds), so compare with what the source held
        // before the copy read it (reading moves the source's atime).
        Map<String, List<Object>> before = new java.util.HashMap<>();
        for (String name : List.of("sub/file", "sub/link", "sub")) {
            before.put(name, List.of(attribute(src.resolve(name), "lastModifiedTime"), attribute(src.resolve(name), "lastAccessTime")));
        }

        CopyResult result = copy();

        for (String name : List.of("sub/file", "sub/link", "sub")) {
            FileTime copiedMtime = (FileTime) attribute(dst.resolve(name), "lastModifiedTime");
            assertThat(copiedMtime).as(name).isEqualTo(before.get(name).get(0));
            assertThat(attribute(dst.resolve(name), "lastAccessTime")).as(name).isEqualTo(before.get(name).get(1));
            assertThat(copiedMtime.toInstant()).as(name).isBetween(mtime.toInstant().minusMillis(1), mtime.toInstant());
        }
        assertThat(attribute(dst.resolve("sub/file"), "lastModifiedTime")).isEqualTo(mtime);
        assertThat(attribute(dst.resolve("sub/file"), "lastAccessTime")).isEqualTo(atime);
        assertThat(result.entries()).filteredOn(e -> e.path().equals("sub/file"))
                .extracting(CopiedEntry::modified, CopiedEntry::accessed)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(mtime.toInstant(), atime.toInstant()));
    }

    @Test
    void copiesSymbolicLinksAsLinksWithoutFollowingThem() throws Exception {
        Path outside = Files.createDirectory(dir.resolve("outside"));
        Files.writeString(outside.resolve("secret"), "must not be copied");
        Files.createDirectories(src.resolve("a"));
        Files.writeString(src.resolve("a/target.txt"), "t");
        Files.createSymbolicLink(src.resolve("a/relative"), Path.of("target.txt"));
        Files.createSymbolicLink(src.resolve("up"), Path.of("a/../a/target.txt"));
        Files.createSymbolicLink(src.resolve("absolute-outside"), outside);
        Files.createSymbolicLink(src.resolve("dangling"), Path.of("/nonexistent/nowhere"));

        CopyResult result = copy();

        assertThat(Files.readSymbolicLink(dst.resolve("a/relative"))).isEqualTo(Path.of("target.txt"));
        assertThat(Files.readSymbolicLink(dst.resolve("up"))).isEqualTo(Path.of("a/../a/target.txt"));
        assertThat(Files.readSymbolicLink(dst.resolve("absolute-outside"))).isEqualTo(outside);
        assertThat(Files.readSymbolicLink(dst.resolve("dangling"))).isEqualTo(Path.of("/nonexistent/nowhere"));
        assertThat(result.entries()).filteredOn(e -> e.type() == EntryType.SYMLINK).extracting(CopiedEntry::linkTarget)
                .containsExactlyInAnyOrder("target.txt", "a/../a/target.txt", outside.toString(), "/nonexistent/nowhere");
        assertThat(result.entries()).extracting(CopiedEntry::path).noneMatch(p -> p.contains("secret"));
    }

    @Test
    void keepsHardLinksInsideTheTree() throws Exception {
        Path first = Files.writeString(src.resolve("a-first"), "shared content");
        Files.createDirectories(src.resolve("sub"));
        Files.createLink(src.resolve("sub/second"), first);
        Files.createLink(src.resolve("z-third"), first);

        CopyResult result = copy();

        Object inode = attribute(dst.resolve("a-first"), "unix:ino");
        assertThat(attribute(dst.resolve("sub/second"), "unix:ino")).isEqualTo(inode);
        assertThat(attribute(dst.resolve("z-third"), "unix:ino")).isEqualTo(inode);
        assertThat(attribute(dst.resolve("a-first"), "unix:nlink")).isEqualTo(3);
        assertThat(result.entries()).filteredOn(e -> e.type() == EntryType.HARDLINK)
                .extracting(CopiedEntry::path, CopiedEntry::linkTarget)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("sub/second", "a-first"),
                        org.assertj.core.groups.Tuple.tuple("z-third", "a-first"));
        assertThat(result.filesCopied()).isEqualTo(1);
    }

    @Test
    void copiesOddNames() throws Exception {
        List<String> names = List.of("with space", "ünïcödé ✓ 日本", "new\nline", "-leading-dash", "--rm -rf", "tab\there", "'quote\"");
        for (String name : names) {
            Files.createDirectories(src.resolve(name));
            Files.writeString(src.resolve(name).resolve(name), name);
            sh("setfattr", "-n", "user.name", "-v", "x", src.resolve(name).resolve(name).toString());
        }

        copy();

        for (String name : names) {
            assertThat(dst.resolve(name).resolve(name)).hasContent(name);
            assertThat(Xattrs.read(dst.resolve(name).resolve(name))).containsKey("user.name");
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void skipsFifosAndSocketsWithoutBlocking() throws Exception {
        sh("mkfifo", src.resolve("pipe").toString());
        Files.writeString(src.resolve("regular"), "r");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(src.resolve("socket")));

            CopyResult result = copy();

            assertThat(result.skipped()).extracting(SkippedEntry::path).containsExactly("pipe", "socket");
            assertThat(result.skipped()).allMatch(SkippedEntry::wholeEntry);
            assertThat(result.skipped().get(0).reason()).contains("FIFO");
            assertThat(result.skipped().get(1).reason()).contains("socket");
            assertThat(listener.skipped).hasSize(2);
            assertThat(dst.resolve("pipe")).doesNotExist();
            assertThat(dst.resolve("socket")).doesNotExist();
            assertThat(dst.resolve("regular")).hasContent("r");
        }
    }

    @Test
    void failsNamingTheFileWhenTheTargetIsNotWritable() throws Exception {
        Files.writeString(src.resolve("cannot-land.txt"), "x");
        Path locked = Files.createDirectories(dst);
        boolean immutable = isRoot();
        if (immutable) {
            sh("chattr", "+i", locked.toString()); // root ignores mode bits; the immutable flag stops even root
        } else {
            Files.setAttribute(locked, "unix:mode", 0555);
        }
        try {
            assertThatThrownBy(this::copy)
                    .isInstanceOf(CopyException.class)
                    .hasMessageContaining("cannot-land.txt")
                    .hasMessageContaining(immutable ? "operation not permitted" : "permission denied")
                    .satisfies(e -> assertThat(((CopyException) e).file()).isEqualTo(dst.resolve("cannot-land.txt")));
        } finally {
            if (immutable) {
                sh("chattr", "-i", locked.toString());
            }
        }
    }

    @Test
    void refusesATargetInsideTheSource() throws Exception {
        Files.writeString(src.resolve("f"), "x");
        dst = src.resolve("inside");

        assertThatThrownBy(this::copy).isInstanceOf(CopyException.class).hasMessageContaining("inside the source");
    }

    @Test
    void entriesAreSortedWhateverTheThreads() throws Exception {
        for (int i = 0; i < 200; i++) {
            Path d = Files.createDirectories(src.resolve("d" + (i % 7)));
            Files.write(d.resolve("f" + i), CopyFixtures.random(i * 997, i));
        }

        CopyResult result = copy(new CopyOptions(0, false, 4));

        List<String> paths = result.entries().stream().map(CopiedEntry::path).toList();
        assertThat(paths).isSorted().hasSize(207);
        for (CopiedEntry e : result.entries()) {
            if (e.type() == EntryType.FILE) {
                assertThat(e.sha256()).as(e.path()).isEqualTo(CopyFixtures.plainDigest(dst.resolve(e.path())));
            }
        }
    }
}
