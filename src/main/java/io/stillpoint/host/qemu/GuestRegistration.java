package io.stillpoint.host.qemu;

import java.nio.file.Path;
import java.util.List;

/**
 * What Stillpoint keeps about a QEMU guest so that it can find it, and start it again after a stop, a
 * save-state or a restore: one JSON file per guest in the host's folder.
 *
 * @param directory the folder holding the guest's disks and nothing of other guests; a restore in place
 *     replaces it
 * @param disks the guest's disks as QEMU's block layer names them
 * @param agentSocket the host end of the guest agent's channel, or {@code null} without an agent
 * @param pidFile where QEMU writes its pid ({@code -pidfile}), or {@code null} if QEMU writes none
 * @param commandLine the argv that starts the guest, as read from {@code /proc/<pid>/cmdline}; its first
 *     element is what the process called itself and is never run: {@code binary} is
 * @param binary the vetted QEMU executable (a real path on the server's allow-list) that starts the guest;
 *     {@code null} in a registration written before Stillpoint vetted executables
 * @param ownerUid the user the guest's QEMU ran as when it was registered, Stillpoint's own; {@code null}
 *     as {@code binary}
 */
public record GuestRegistration(
        String name,
        String directory,
        long memoryBytes,
        List<Disk> disks,
        String qmpSocket,
        String agentSocket,
        String pidFile,
        List<String> commandLine,
        String binary,
        Long ownerUid) {

    /**
     * @param node the disk's top format node, which block jobs and snapshots name
     * @param file the image file of that node
     * @param device the guest device's QOM path, through which writes reach the active layer
     */
    public record Disk(String node, String file, String format, String device) {}

    public GuestRegistration {
        disks = List.copyOf(disks);
        commandLine = List.copyOf(commandLine);
    }

    public Path directoryPath() {
        return Path.of(directory);
    }

    /** The same guest, started by a vetted executable as the user who registered it. */
    GuestRegistration vetted(Path executable, long uid) {
        return new GuestRegistration(name, directory, memoryBytes, disks, qmpSocket, agentSocket, pidFile, commandLine,
                executable.toString(), uid);
    }

    public List<Path> diskPaths() {
        return disks.stream().map(d -> Path.of(d.file())).toList();
    }
}
