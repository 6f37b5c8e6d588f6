package io.stillpoint.copy;

import static io.stillpoint.copy.CopyFixtures.allocatedBytes;
import static io.stillpoint.copy.CopyFixtures.plainDigest;
import static io.stillpoint.copy.CopyFixtures.random;
import static io.stillpoint.copy.CopyFixtures.setSize;
import static io.stillpoint.copy.CopyFixtures.writeAt;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.AclEntry;
import java.nio.file.attribute.AclEntryFlag;
import java.nio.file.attribute.AclEntryPermission;
import java.nio.file.attribute.AclEntryType;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.DosFileAttributeView;
import java.nio.file.attribute.DosFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserPrincipal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The strategy a Windows host copies with, run here on Linux by forcing it. Linux's JDK keeps the DOS
 * flags in the {@code user.DOSATTRIB} xattr (as Samba does), so they round-trip for real on this file
 * system; the {@code acl} view does not exist on Linux, so only the ACL's recorded form is checked.
 * Linux cannot set a creation time, so only its recording is checked.
 */
class PortableCopyTest {

    static final int MiB = 1 << 20;

    @TempDir
    Path dir;

    Path src;
    Path dst;
    final CopyFixtures.Recorder listener = new CopyFixtures.Recorder();

    @BeforeEach
    void paths() throws IOException {
        src = Files.createDirectory(dir.resolve("src"));
        dst = dir.resolve("dst");
    }

    private CopyResult copyPortable(Path from, Path to) throws IOException {
        return new TreeCopier(CopyOptions.defaults(), AttributeStrategy::portable)
                .copy(from, to, listener, new CancellationSignal());
    }

    @Test
    void picksPosixOnThisLinuxFileStoreAndPortableOnlyWhenForced() throws IOException {
        assertThat(AttributeStrategy.select(src, dst)).isInstanceOf(PosixAttributes.class);
        assertThat(AttributeStrategy.portable(src, dst)).isInstanceOf(PortableAttributes.class);
    }

    @Test
    void copiesContentHolesDosFlagsAndTimes() throws Exception {
        Path vhd = src.resolve("Virtual Hard Disks/disk.vhdx");
        Files.createDirectories(vhd.getParent());
        writeAt(vhd, 4L * MiB + 17, random(3 * MiB, 1));
        setSize(vhd, 64L * MiB);
        Path config = Files.createDirectories(src.resolve("Virtual Machines/nested/deeper")).resolve("vm.vmcx");
        Files.write(config, random(5000, 2));
        Path readOnly = Files.writeString(src.resolve("Virtual Machines/readonly.xml"), "<vm/>");
        dos(readOnly).setReadOnly(true);
        Path hidden = Files.writeString(src.resolve("desktop.ini"), "[.ShellClassInfo]");
        dos(hidden).setHidden(true);
        dos(hidden).setSystem(true);
        dos(hidden).setArchive(true);
        Files.createSymbolicLink(src.resolve("current"), Path.of("Virtual Machines/readonly.xml"));
        FileTime modified = FileTime.from(Instant.parse("2024-03-01T10:15:30.123456Z"));
        FileTime accessed = FileTime.from(Instant.parse("2024-03-02T11:00:00Z"));
        for (Path p : new Path[] {vhd, config, readOnly, hidden, config.getParent(), src.resolve("Virtual Machines")}) {
            Files.getFileAttributeView(p, BasicFileAttributeView.class).setTimes(modified, accessed, null);
        }

        CopyResult result = copyPortable(src, dst);

        Path vhdCopy = dst.resolve("Virtual Hard Disks/disk.vhdx");
        Map<String, CopiedEntry> entries = result.entries().stream()
                .collect(Collectors.toMap(CopiedEntry::path, Function.identity()));
        // Times first: reading the copies below moves their access times.
        for (String p : new String[] {"Virtual Hard Disks/disk.vhdx", "Virtual Machines/nested/deeper/vm.vmcx",
                "Virtual Machines/readonly.xml", "desktop.ini", "Virtual Machines/nested/deeper", "Virtual Machines"}) {
            assertThat(Files.getLastModifiedTime(dst.resolve(p), LinkOption.NOFOLLOW_LINKS)).as(p).isEqualTo(modified);
            assertThat(Files.getAttribute(dst.resolve(p), "lastAccessTime", LinkOption.NOFOLLOW_LINKS)).as(p)
                    .isEqualTo(accessed);
            assertThat(entries.get(p).modified()).as(p).isEqualTo(modified.toInstant());
            assertThat(entries.get(p).mode()).as("no POSIX mode recorded for %s", p).isNull();
            assertThat(entries.get(p).created()).as(p).isNotNull();
            assertThat(entries.get(p).owner()).as(p).isEqualTo(Files.getOwner(src).getName());
            assertThat(entries.get(p).acl()).as("Linux has no ACL view").isNull();
        }
        assertThat(entries.get("Virtual Hard Disks/disk.vhdx").sha256())
                .isEqualTo(plainDigest(vhd))
                .isEqualTo(FileDigests.of(vhdCopy, new CancellationSignal(), false))
                .isEqualTo(FileDigests.of(vhdCopy, new CancellationSignal()));
        assertThat(Files.mismatch(vhd, vhdCopy)).isEqualTo(-1);
        assertThat(Files.size(vhdCopy)).isEqualTo(64L * MiB);
        assertThat(allocatedBytes(vhdCopy)).as("zero chunks are not written").isLessThan(8L * MiB);
        assertThat(Files.mismatch(config, dst.resolve("Virtual Machines/nested/deeper/vm.vmcx"))).isEqualTo(-1);

        assertThat(flags(dst.resolve("Virtual Machines/readonly.xml"))).startsWith("R").isEqualTo(flags(readOnly));
        assertThat(flags(dst.resolve("desktop.ini"))).isEqualTo("HSA");
        assertThat(entries.get("desktop.ini").dos()).isEqualTo("HSA");
        assertThat(entries.get("Virtual Machines/readonly.xml").dos()).isEqualTo(flags(readOnly));
        assertThat(flags(dst.resolve("Virtual Hard Disks/disk.vhdx"))).doesNotContain("R", "H", "S");
        assertThat(Files.readSymbolicLink(dst.resolve("current"))).isEqualTo(Path.of("Virtual Machines/readonly.xml"));
        assertThat(entries.get("current").type()).isEqualTo(EntryType.SYMLINK);

        assertThat(listener.skipped).isEmpty();
    }

    @Test
    void aRestoreCopyBringsTheFlagsAndTimesBack() throws Exception {
        Files.createDirectories(src.resolve("a/b"));
        Path file = Files.writeString(src.resolve("a/b/locked.txt"), "content");
        dos(file).setReadOnly(true);
        dos(file).setHidden(true);
        FileTime modified = FileTime.from(Instant.parse("2023-12-24T18:00:00Z"));
        Files.setLastModifiedTime(file, modified);
        copyPortable(src, dst);
        Path restored = dir.resolve("restored");

        CopyResult back = copyPortable(dst, restored);

        assertThat(flags(restored.resolve("a/b/locked.txt"))).startsWith("RH");
        assertThat(Files.getLastModifiedTime(restored.resolve("a/b/locked.txt"))).isEqualTo(modified);
        assertThat(back.entries()).filteredOn(e -> e.path().equals("a/b/locked.txt"))
                .extracting(CopiedEntry::sha256).containsExactly(plainDigest(file));
    }

    @Test
    void replacesATargetThatIsReadOnlyAndHidden() throws Exception {
        Files.writeString(src.resolve("same.txt"), "new");
        copyPortable(src, dst);
        dos(dst.resolve("same.txt")).setReadOnly(true);
        Files.writeString(src.resolve("same.txt"), "newer");

        copyPortable(src, dst);

        assertThat(dst.resolve("same.txt")).hasContent("newer");
        assertThat(flags(dst.resolve("same.txt"))).doesNotContain("R");
    }

    @Test
    void recordsAnAclEntryInTheJdksWords() throws IOException {
        UserPrincipal owner = Files.getOwner(src);
        AclEntry entry = AclEntry.newBuilder()
                .setType(AclEntryType.DENY)
                .setPrincipal(owner)
                .setPermissions(Set.of(AclEntryPermission.WRITE_DATA, AclEntryPermission.APPEND_DATA))
                .setFlags(Set.of(AclEntryFlag.FILE_INHERIT, AclEntryFlag.DIRECTORY_INHERIT))
                .build();

        assertThat(AccessEntry.of(entry)).isEqualTo(new AccessEntry("DENY", owner.getName(), false,
                List.of("APPEND_DATA", "WRITE_DATA"), List.of("DIRECTORY_INHERIT", "FILE_INHERIT")));
    }

    private static DosFileAttributeView dos(Path p) {
        return Files.getFileAttributeView(p, DosFileAttributeView.class);
    }

    private static String flags(Path p) throws IOException {
        return PortableAttributes.letters(Files.readAttributes(p, DosFileAttributes.class));
    }
}
