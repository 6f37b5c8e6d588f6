package io.stillpoint.host.qemu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What the kernel says about a process, never what the process says about itself: the program it runs
 * ({@code /proc/<pid>/exe}, not {@code argv[0]}, which any process sets as it likes with {@code exec -a}),
 * the users it runs as ({@code /proc/<pid>/status}), and which process holds a listening Unix socket
 * ({@code /proc/net/unix} and the processes' descriptors, not a command line that merely mentions it).
 *
 * @param executable the program's path as the kernel links it; ends with {@value #DELETED} when the file
 *     was replaced or removed since the process started
 * @param uids the real, effective, saved and file-system user ids
 */
record QemuProcess(long pid, String executable, List<Long> uids, List<String> commandLine) {

    static final String DELETED = " (deleted)";

    QemuProcess {
        uids = List.copyOf(uids);
        commandLine = List.copyOf(commandLine);
    }

    /** The process as the kernel describes it, or empty if it does not exist (any more). */
    static Optional<QemuProcess> of(long pid) {
        if (pid <= 0) {
            return Optional.empty();
        }
        Path proc = Path.of("/proc", Long.toString(pid));
        try {
            String executable = Files.readSymbolicLink(proc.resolve("exe")).toString();
            List<Long> uids = List.of();
            for (String line : Files.readAllLines(proc.resolve("status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("Uid:")) {
                    uids = Arrays.stream(line.substring(4).trim().split("\\s+")).map(Long::parseLong).toList();
                }
            }
            String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
            List<String> argv = cmdline.isEmpty() ? List.of() : Arrays.asList(cmdline.split("\0"));
            return uids.isEmpty() ? Optional.empty() : Optional.of(new QemuProcess(pid, executable, uids, argv));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Whether every user id of the process is {@code uid}: no id it could switch back to is another's. */
    boolean runsAs(long uid) {
        return uids.stream().allMatch(u -> u == uid);
    }

    /** The real user id, as the message naming the owner shows it. */
    long owner() {
        return uids.get(0);
    }

    boolean executableReplaced() {
        return executable.endsWith(DELETED);
    }

    /** The process listening on {@code socket} (holding the socket bound to that path); -1 if none does. */
    static long listeningOn(Path socket) {
        Set<String> inodes = boundInodes(socket);
        if (inodes.isEmpty()) {
            return -1;
        }
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> holdsAny(p, inodes))
                    .mapToLong(p -> Long.parseLong(p.getFileName().toString()))
                    .min().orElse(-1);
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }

    /** Whether process {@code pid} holds the socket bound to {@code socket}. */
    static boolean holds(long pid, Path socket) {
        Set<String> inodes = boundInodes(socket);
        return !inodes.isEmpty() && holdsAny(Path.of("/proc", Long.toString(pid)), inodes);
    }

    /**
     * Inodes of the sockets bound to {@code socket}: the listening one, and those it accepted. The kernel
     * lists each with the path it was bound to, which may name the same file another way (through a
     * link), so paths are compared as files.
     */
    private static Set<String> boundInodes(Path socket) {
        Set<String> names = new HashSet<>();
        names.add(String.valueOf(socket.getFileName()));
        try {
            names.add(String.valueOf(socket.toRealPath().getFileName()));
        } catch (IOException e) {
            return Set.of();
        }
        Set<String> inodes = new HashSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/net/unix"), StandardCharsets.UTF_8)) {
                String[] fields = line.trim().split("\\s+", 8);
                if (fields.length == 8 && fields[7].startsWith("/") && names.contains(fileName(fields[7]))
                        && sameFile(Path.of(fields[7]), socket)) {
                    inodes.add(fields[6]);
                }
            }
        } catch (IOException e) {
            return Set.of();
        }
        return inodes;
    }

    private static String fileName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** Whether two paths name one file; false if either is gone. */
    static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean holdsAny(Path proc, Set<String> inodes) {
        try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    return target.startsWith("socket:[") && inodes.contains(target.substring(8, target.length() - 1));
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }
}
