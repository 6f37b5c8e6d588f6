package io.stillpoint.testing;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;

/**
 * A guest's disk with known files: the files are written into a host folder, {@code mkfs.ext4 -d} builds a
 * file system image from it (owners, modes, times, xattrs, hard and symbolic links and holes kept), and the
 * image goes into the first partition of a GPT disk. The second partition holds an ext4 whose superblock is
 * wiped, the third nothing at all, the fourth an XFS holding the same files, copied with {@code cp -a} into a
 * loop-mounted XFS (mkfs.xfs cannot fill itself from a folder; needs root, as CI is).
 */
public final class GuestDiskBuilder {

    public static final String LABEL = "guestroot";
    public static final String XFS_LABEL = "guestxfs";
    /** Extended attributes of {@code report.bin}, one of each namespace a guest's files carry. */
    public static final java.util.Map<String, String> XATTRS = java.util.Map.of("user.color", "blue",
            "trusted.stillpoint", "gold", "security.stillpoint", "silver");
    public static final String ODD_NAME = "odd name \"quoted\" ü ; $(x) *";
    public static final long SPARSE_SIZE = 64L << 20;
    public static final long SPARSE_DATA_AT = 40L << 20;
    public static final int UID = 1000;
    public static final int GID = 1001;
    public static final Instant MTIME = Instant.parse("2024-03-01T10:15:30Z");
    private static final long MIB = 1L << 20;
    private static final long FS_MIB = 96;
    /** mkfs.xfs makes nothing smaller than 300 MiB; the image is sparse. */
    private static final long XFS_MIB = 320;

    private GuestDiskBuilder() {}

    /** The files the disk's ext4 holds, written under {@code tree}. */
    public static void writeTree(Path tree) throws IOException {
        Path ana = Files.createDirectories(tree.resolve("home/ana"));
        Files.createDirectories(tree.resolve("etc"));
        Files.writeString(tree.resolve("etc/hostname"), "guest-of-stillpoint\n");
        Files.write(ana.resolve("report.bin"), pattern(3 * (int) MIB + 123));
        Files.writeString(ana.resolve(ODD_NAME), "odd\n");
        Files.createSymbolicLink(ana.resolve("hostname-link"), Path.of("../../etc/hostname"));
        Files.createSymbolicLink(ana.resolve("escape"), Path.of("../../../../../../etc/passwd"));
        Files.createSymbolicLink(ana.resolve("absolute"), Path.of("/etc/shadow"));
        Files.createSymbolicLink(ana.resolve("up"), Path.of("../../../.."));
        Files.createLink(ana.resolve("report-hardlink.bin"), ana.resolve("report.bin"));
        try (RandomAccessFile sparse = new RandomAccessFile(ana.resolve("sparse.img").toFile(), "rw")) {
            sparse.setLength(SPARSE_SIZE);
            sparse.seek(SPARSE_DATA_AT);
            sparse.write("data in the middle".getBytes(StandardCharsets.US_ASCII));
        }
        Path deep = ana.resolve("deep");
        for (int i = 0; i < 12; i++) {
            deep = deep.resolve("level" + i);
        }
        Files.createDirectories(deep);
        Files.writeString(deep.resolve("bottom.txt"), "bottom\n");
        Path many = Files.createDirectories(ana.resolve("many"));
        for (int i = 0; i < 150; i++) {
            Files.writeString(many.resolve(String.format("f%03d.txt", i)), "file " + i + "\n");
        }
        for (var xattr : XATTRS.entrySet()) {
            QemuLab.exec(List.of("setfattr", "-h", "-n", xattr.getKey(), "-v", xattr.getValue(),
                    ana.resolve("report.bin").toString()));
        }
        Files.setPosixFilePermissions(ana.resolve("report.bin"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
        try (var walk = Files.walk(ana)) {
            for (Path p : walk.toList()) {
                Files.setAttribute(p, "unix:uid", UID, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", GID, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                if (!Files.isSymbolicLink(p)) {
                    Files.setLastModifiedTime(p, FileTime.from(MTIME));
                }
            }
        }
    }

    /** The bytes of {@code report.bin}: not a repeating pattern, so a range at the wrong offset shows. */
    public static byte[] pattern(int size) {
        byte[] bytes = new byte[size];
        long x = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < size; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            bytes[i] = (byte) x;
        }
        return bytes;
    }

    /** Writes a qcow2 disk at {@code disk} holding the tree; {@code work} keeps the intermediate files. */
    public static void build(Path work, Path disk) throws IOException {
        Path tree = work.resolve("tree");
        writeTree(tree);
        Path fs = work.resolve("fs.img");
        Path broken = work.resolve("broken.img");
        QemuLab.exec(List.of("mkfs.ext4", "-q", "-F", "-L", LABEL, "-d", tree.toString(), fs.toString(), FS_MIB + "M"));
        QemuLab.exec(List.of("mkfs.ext4", "-q", "-F", broken.toString(), "16M"));
        try (RandomAccessFile wipe = new RandomAccessFile(broken.toFile(), "rw")) {
            wipe.seek(1024);
            wipe.write(new byte[1024]);
        }
        Path xfs = work.resolve("xfs.img");
        try (LoopFileSystem loop = LoopFileSystem.create(LoopFileSystem.Type.XFS, XFS_MIB * MIB)) {
            QemuLab.exec(List.of("cp", "-a", "--sparse=always", tree + "/.", loop.mountPoint().toString()));
            Path image = loop.unmount();
            QemuLab.exec(List.of("xfs_admin", "-L", XFS_LABEL, image.toString()));
            QemuLab.exec(List.of("cp", "--sparse=always", image.toString(), xfs.toString()));
        }
        Path raw = work.resolve("disk.raw");
        long p1 = MIB;
        long p2 = p1 + FS_MIB * MIB;
        long p3 = p2 + 16 * MIB;
        long p4 = p3 + 8 * MIB;
        long end = p4 + XFS_MIB * MIB + MIB;
        try (RandomAccessFile file = new RandomAccessFile(raw.toFile(), "rw")) {
            file.setLength(end);
        }
        Path layout = work.resolve("layout.sfdisk");
        Files.writeString(layout, "label: gpt\n"
                + "start=" + p1 / 512 + ", size=" + FS_MIB * MIB / 512 + ", type=L\n"
                + "start=" + p2 / 512 + ", size=" + 16 * MIB / 512 + ", type=L\n"
                + "start=" + p3 / 512 + ", size=" + 8 * MIB / 512 + ", type=L\n"
                + "start=" + p4 / 512 + ", size=" + XFS_MIB * MIB / 512 + ", type=L\n");
        QemuLab.exec(List.of("sh", "-c", "sfdisk -q " + raw + " < " + layout));
        QemuLab.exec(List.of("dd", "if=" + fs, "of=" + raw, "bs=1M", "seek=" + p1 / MIB, "conv=notrunc,sparse",
                "status=none"));
        QemuLab.exec(List.of("dd", "if=" + broken, "of=" + raw, "bs=1M", "seek=" + p2 / MIB, "conv=notrunc,sparse",
                "status=none"));
        QemuLab.exec(List.of("dd", "if=" + xfs, "of=" + raw, "bs=1M", "seek=" + p4 / MIB, "conv=notrunc,sparse",
                "status=none"));
        QemuLab.exec(List.of("qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw.toString(), disk.toString()));
    }
}
