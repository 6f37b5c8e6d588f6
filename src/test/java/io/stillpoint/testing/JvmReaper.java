package io.stillpoint.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Cleans up after a test JVM however it ends: a JVM killed with SIGKILL (a CI timeout, an impatient developer)
 * cannot close its labs, and their guests would keep running, using the CPU of every run after it. With the
 * first command registered, the JVM starts a shell that waits for the JVM to end and then runs the commands;
 * they stay in a file, so that the shell's own command line names nothing they act on.
 */
public final class JvmReaper {

    private static final String REAP = """
            while kill -0 "$1" 2>/dev/null; do sleep 1; done
            sh "$2"
            rm -f -- "$2"
            """;

    private static Path commands;

    private JvmReaper() {}

    /** Adds a shell command to run once this JVM has ended (after the labs' own clean-up, if it ran). */
    public static synchronized void atDeath(String command) throws IOException {
        if (commands == null) {
            commands = Files.createTempFile("stillpoint-reaper-", ".sh");
            new ProcessBuilder("sh", "-c", REAP, "stillpoint-reaper", Long.toString(ProcessHandle.current().pid()),
                    commands.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start();
        }
        Files.writeString(commands, command + "\n", StandardOpenOption.APPEND);
    }

    /** {@code text} as a POSIX extended regular expression that matches only itself, for {@code pkill -f}. */
    public static String extendedRegex(String text) {
        return text.replaceAll("[\\\\.\\[\\]()*+?{}|^$]", "\\\\$0");
    }

    /** {@code text} as one shell word. */
    public static String quoted(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }
}
