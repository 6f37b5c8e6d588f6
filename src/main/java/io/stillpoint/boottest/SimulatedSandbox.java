package io.stillpoint.boottest;

import io.stillpoint.host.simulated.DiskCheck;
import io.stillpoint.host.simulated.SimulatedDisks;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The boot test of a simulated guest, as honest as the simulated host: the "firmware" reads each disk's
 * boot sector, which an installed simulated system fills, and the "kernel" checks each disk's journal the
 * way the simulated guest does when it boots. A disk whose boot sector was zeroed does not boot, and one
 * with a torn or foreign block in its journal fails its file system check; a point a true snapshot made
 * passes. The serial log is what the simulated guest prints; the screenshot is drawn from it.
 */
final class SimulatedSandbox implements Sandbox {

    static final String DISKS = "Virtual Hard Disks";
    private static final int BOOT_SECTOR = 512;

    @Override
    public Verdict run(Request request) throws IOException {
        long started = System.nanoTime();
        List<String> console = new ArrayList<>();
        console.add("SeaBIOS (simulated)");
        Verdict verdict = boot(request, console);
        Files.write(request.serialLog(), console, StandardCharsets.UTF_8);
        Files.write(request.screenshot(), Screens.of(console, verdict.passed()));
        if (!verdict.passed()) {
            return verdict;
        }
        return Verdict.passed(Math.max(1, (System.nanoTime() - started) / 1_000_000), verdict.evidence());
    }

    private static Verdict boot(Request request, List<String> console) throws IOException {
        List<Path> disks = disks(request.pointFiles().resolve(DISKS));
        if (disks.isEmpty()) {
            console.add("No bootable device.");
            return Verdict.failed("no bootable device: the point holds no disk in '" + DISKS + "'");
        }
        console.add("Booting from Hard Disk " + disks.get(0).getFileName() + "...");
        if (!hasBootSector(disks.get(0))) {
            console.add("Boot failed: not a bootable disk");
            return Verdict.failed("no bootable device: the boot sector of " + disks.get(0).getFileName()
                    + " is all zeros");
        }
        console.add("simulated kernel: checking " + disks.size() + " disks");
        long lastWrite = 0;
        for (Path disk : disks) {
            if (request.cancelled().getAsBoolean()) {
                return Verdict.cancelled("cancelled while the simulated guest checked its disks");
            }
            DiskCheck check = SimulatedDisks.check(disk);
            if (check.invalidBlocks() > 0) {
                console.add("fsck " + disk.getFileName() + ": " + check.invalidBlocks() + " damaged blocks");
                console.add("Kernel panic - not syncing: VFS: Unable to mount root fs");
                return Verdict.failed("the file system of " + disk.getFileName() + " is damaged: "
                        + check.invalidBlocks() + " of its " + check.journalBlocks()
                        + " journal blocks are torn or foreign (kernel panic on the serial console)");
            }
            console.add("fsck " + disk.getFileName() + ": clean, " + check.validBlocks() + " blocks, last write #"
                    + check.maxSequence());
            lastWrite = Math.max(lastWrite, check.maxSequence());
        }
        String up = "simulated guest '" + request.name() + "' is up";
        console.add(up);
        if (request.serialPattern() != null && !request.serialPattern().matcher(String.join("\n", console)).find()) {
            return Verdict.failed("the serial console never showed /" + request.serialPattern().pattern() + "/");
        }
        return Verdict.passed(0, "the simulated guest booted from " + disks.get(0).getFileName() + " and found "
                + disks.size() + " disk(s) consistent (last write #" + lastWrite + ")"
                + (request.serialPattern() == null ? "" : "; the serial console showed /"
                        + request.serialPattern().pattern() + "/"));
    }

    private static List<Path> disks(Path folder) throws IOException {
        List<Path> disks = new ArrayList<>();
        if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
            return disks;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder, "*.vhdx")) {
            for (Path entry : entries) {
                if (Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) {
                    disks.add(entry);
                }
            }
        }
        disks.sort(null);
        return disks;
    }

    private static boolean hasBootSector(Path disk) throws IOException {
        byte[] sector;
        try (InputStream in = Files.newInputStream(disk)) {
            sector = in.readNBytes(BOOT_SECTOR);
        }
        for (byte b : sector) {
            if (b != 0) {
                return true;
            }
        }
        return false;
    }
}
