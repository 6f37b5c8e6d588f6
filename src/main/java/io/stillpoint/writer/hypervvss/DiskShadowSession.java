package io.stillpoint.writer.hypervvss;

import io.stillpoint.host.hyperv.PowerShell;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One {@code diskshadow /s <script>} process. Its output goes to a file that is read while it runs: the
 * only lines relied on are the command echoes ({@code -> }), {@code Alias X for shadow ID {...}} and
 * {@code successfully exposed as}; everything else is shown to the admin as diskshadow wrote it.
 *
 * <p>On a remote host diskshadow runs there, started by PowerShell through the host's remote prefix;
 * its output streams back line by line. The remote session does not pass diskshadow's exit code on, so
 * the remote script prints it last as {@value #EXIT_MARKER}, and that line is taken for the exit code.
 */
final class DiskShadowSession {

    static final String EXPOSED = "successfully exposed as";
    static final String EXIT_MARKER = "stillpoint: diskshadow exit code ";
    /** The remote session ended without diskshadow's exit code, e.g. because the connection broke. */
    static final int NO_EXIT_CODE = -1;
    private static final Pattern ALIAS = Pattern.compile("Alias (\\S+) for shadow ID (\\{[0-9A-Fa-f-]+\\})");
    private static final Pattern SET = Pattern.compile("Alias VSS_SHADOW_SET for shadow set ID (\\{[0-9A-Fa-f-]+\\})");
    private static final Duration POLL = Duration.ofMillis(50);

    /**
     * How diskshadow is started: here, or on the host through PowerShell.
     *
     * @param diskshadow a vetted real path here, or an allowed path on the remote host
     * @param remote the host's PowerShell with its remote session, or empty to run diskshadow here
     */
    record Launcher(String diskshadow, Optional<PowerShell> remote) {

        /** Under 'Stop', Windows PowerShell 5.1 would turn a line diskshadow writes to stderr into an error. */
        ProcessBuilder process(String script) {
            return remote.map(powershell -> powershell.process(
                            "$ErrorActionPreference = 'Continue'\n"
                            + "& " + PowerShell.quote(diskshadow) + " /s " + PowerShell.quote(script)
                            + " 2>&1 | ForEach-Object { \"$_\" }\n"
                            + "\"" + EXIT_MARKER + "$LASTEXITCODE\"\n"))
                    .orElseGet(() -> new ProcessBuilder(diskshadow, "/s", script));
        }
    }

    private final Process process;
    private final Path output;
    private final boolean remote;

    private DiskShadowSession(Process process, Path output, boolean remote) {
        this.process = process;
        this.output = output;
        this.remote = remote;
    }

    /** @param script the script's path as the host names it */
    static DiskShadowSession start(Launcher launcher, String script, Path output) throws IOException {
        Process process = launcher.process(script)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        process.getOutputStream().close();
        return new DiskShadowSession(process, output, launcher.remote().isPresent());
    }

    /** Runs a short script to its end; the exit code, or empty when the deadline passed and it was killed. */
    static Optional<Integer> run(Launcher launcher, String script, Path output, Duration timeout) throws IOException {
        DiskShadowSession session = start(launcher, script, output);
        Optional<Integer> exit = session.awaitExit(timeout);
        if (exit.isEmpty()) {
            session.kill();
        }
        return exit;
    }

    /** True once {@code count} shadow copies are exposed; false if diskshadow ended or the deadline passed. */
    boolean awaitExposed(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (occurrences(output(), EXPOSED) >= count) {
                return true;
            }
            if (!process.isAlive() || System.nanoTime() > deadline) {
                return occurrences(output(), EXPOSED) >= count;
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    Optional<Integer> awaitExit(Duration timeout) {
        try {
            if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return Optional.of(remote ? remoteExit() : process.exitValue());
            }
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private int remoteExit() {
        String all = raw();
        int at = all.lastIndexOf(EXIT_MARKER);
        if (at >= 0) {
            String code = all.substring(at + EXIT_MARKER.length()).lines().findFirst().orElse("").strip();
            try {
                return Integer.parseInt(code);
            } catch (NumberFormatException e) {
                return NO_EXIT_CODE;
            }
        }
        return process.exitValue() != 0 ? process.exitValue() : NO_EXIT_CODE;
    }

    boolean alive() {
        return process.isAlive();
    }

    void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * diskshadow writes in the console's code page; only ASCII markers are parsed, so a VM name in another
     * alphabet may look wrong in a message but never changes what is understood.
     */
    String output() {
        String all = raw();
        if (!remote || !all.contains(EXIT_MARKER)) {
            return all;
        }
        return all.lines().filter(line -> !line.startsWith(EXIT_MARKER)).collect(Collectors.joining("\n", "", "\n"));
    }

    private String raw() {
        try {
            return Files.exists(output) ? Files.readString(output, Charset.defaultCharset()) : "";
        } catch (IOException e) {
            return "(output unreadable: " + e.getMessage() + ")";
        }
    }

    /** Shadow ids by alias, from {@code Alias A for shadow ID {...} set as environment variable.} */
    static Map<String, String> shadowIds(String output) {
        Map<String, String> ids = new LinkedHashMap<>();
        Matcher m = ALIAS.matcher(output);
        while (m.find()) {
            if (!m.group(1).equals("VSS_SHADOW_SET")) {
                ids.put(m.group(1), m.group(2));
            }
        }
        return ids;
    }

    static Optional<String> shadowSet(String output) {
        Matcher m = SET.matcher(output);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /**
     * What diskshadow said about the command it stopped at: the last command echo, and the lines after
     * it. Echoes of an alias's value ({@code -> %A% = {...}}) belong to the command before them.
     */
    static String failure(String output) {
        List<String> lines = output.lines().toList();
        int at = -1;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("-> ") && !line.startsWith("-> %")) {
                at = i;
            }
        }
        if (at < 0) {
            String all = output.strip();
            return all.isEmpty() ? "no output" : all;
        }
        StringBuilder said = new StringBuilder("at '").append(lines.get(at).substring(3).strip()).append("'");
        String rest = String.join(" ", lines.subList(at + 1, lines.size()).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("-> %")).toList());
        return rest.isEmpty() ? said.toString() : said.append(": ").append(rest).toString();
    }

    private static int occurrences(String text, String what) {
        int count = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + what.length())) {
            count++;
        }
        return count;
    }
}
