package io.stillpoint.guestfiles;

import io.stillpoint.fs.Durable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Which appliance processes this server started, so that a server that died can stop them at its next start.
 * libguestfs's recovery process already kills an appliance whose parent dies; this is the second line, for a
 * recovery process killed too. A record is the appliance's pid and the process's start time in clock ticks
 * since boot ({@code /proc/<pid>/stat}, field 22): a pid reused by another process has another start time, so
 * only a process that is provably the recorded appliance is killed.
 */
final class ApplianceRecords {

    private static final Logger LOG = Logger.getLogger(ApplianceRecords.class);
    private static final Pattern PID = Pattern.compile("[0-9]{1,10}");

    private final Path folder;

    ApplianceRecords(Path folder) {
        this.folder = folder;
    }

    void record(int pid) {
        Optional<String> started = startTime(pid);
        if (started.isEmpty()) {
            return;
        }
        try {
            Durable.createDirectories(folder);
            Durable.write(folder.resolve(Integer.toString(pid)), started.get().getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            LOG.warnf("appliance %d is not recorded for crash recovery: %s", pid, e.getMessage());
        }
    }

    void forget(int pid) {
        try {
            Files.deleteIfExists(folder.resolve(Integer.toString(pid)));
        } catch (IOException e) {
            LOG.warnf("the record of appliance %d cannot be removed: %s", pid, e.getMessage());
        }
    }

    /** Kills the appliances a previous run of this server left, and forgets every record; returns how many. */
    int recover() {
        int killed = 0;
        if (!Files.isDirectory(folder)) {
            return 0;
        }
        try (DirectoryStream<Path> records = Files.newDirectoryStream(folder)) {
            for (Path record : records) {
                String name = record.getFileName().toString();
                if (!PID.matcher(name).matches() || !Files.isRegularFile(record)) {
                    continue;
                }
                int pid = Integer.parseInt(name);
                String recorded = Files.readString(record, StandardCharsets.US_ASCII).trim();
                if (startTime(pid).filter(recorded::equals).isPresent()) {
                    Optional<ProcessHandle> process = ProcessHandle.of(pid);
                    if (process.isPresent() && process.get().destroyForcibly()) {
                        killed++;
                        LOG.infof("stopped appliance %d, left running by an earlier run of the server", pid);
                    }
                }
                Files.delete(record);
            }
        } catch (IOException e) {
            LOG.warnf("appliances of an earlier run cannot be looked for in %s: %s", folder, e.getMessage());
        }
        return killed;
    }

    static Optional<String> startTime(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            // The command name (field 2) is in parentheses and may hold spaces: count fields after its end.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Optional.of(fields[19]);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
