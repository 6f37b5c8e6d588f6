package io.stillpoint.host.hyperv;

import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.fs.UntrustedExecutableException;
import io.stillpoint.host.HostException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs one PowerShell script per call as a separate process, with a deadline. The script goes in as
 * {@code -EncodedCommand} so that no quoting rule of the Windows command line can change it; output is
 * read from files so that a chatty process never blocks on a full pipe. The executable is one the
 * server's configuration allows, vetted when the host was opened and checked again before each start.
 */
public final class PowerShell {

    private static final int MAX_ERROR_CHARS = 2000;
    /** PowerShell ends a single-quoted string at any of these, not only at the ASCII apostrophe. */
    private static final String SINGLE_QUOTES = "'\u2018\u2019\u201A\u201B";

    private final Path executable;
    private final Optional<HyperVRemote> remote;

    /** @param executable a vetted real path (see {@link TrustedExecutables}) */
    public PowerShell(Path executable, Optional<HyperVRemote> remote) {
        this.executable = executable;
        this.remote = remote;
    }

    /** What the process printed on stdout, once it exited 0 within the deadline. */
    String run(String what, String body, Duration timeout) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("stillpoint-ps-", ".out");
            err = Files.createTempFile("stillpoint-ps-", ".err");
            Process process = process(body)
                    .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                throw new PowerShellTimeoutException(what + " did not finish within " + timeout);
            }
            String stdout = Files.readString(out, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                String stderr = Files.readString(err, StandardCharsets.UTF_8).strip();
                throw new HostException(what + " failed (" + executable + " exited " + process.exitValue() + "): "
                        + (stderr.isEmpty() ? "no error output" : shorten(stderr)), false, null);
            }
            return stdout;
        } catch (IOException e) {
            throw new HostException(what + " could not run " + executable + ": " + e.getMessage(), false, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostException(what + " was interrupted", true, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /**
     * The process that runs {@code body}, for a caller that starts it and reads its output as it comes:
     * the command line, and the remote credential in its environment.
     *
     * @throws HostException if the executable is no longer safe to run
     */
    public ProcessBuilder process(String body) {
        try {
            TrustedExecutables.check(executable);
        } catch (UntrustedExecutableException e) {
            throw new HostException("PowerShell is not run: " + e.getMessage(), false, null);
        }
        ProcessBuilder builder = new ProcessBuilder(List.of(executable.toString(), "-NoLogo", "-NoProfile",
                "-NonInteractive", "-EncodedCommand", encode(script(body))));
        remote.ifPresent(r -> builder.environment().putAll(r.environment()));
        return builder;
    }

    /**
     * Errors stop the script with a non-zero exit code, and the output is UTF-8 JSON without a byte
     * order mark whatever the console's code page; a remote prefix runs the body on the Hyper-V host and brings its text back.
     */
    String script(String body) {
        String inner = "$ErrorActionPreference = 'Stop'\n$ProgressPreference = 'SilentlyContinue'\n" + body;
        String outer = "$ErrorActionPreference = 'Stop'\n"
                + "[Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false\n";
        return remote.map(r -> outer + r.prefix() + " -ScriptBlock {\n" + inner + "\n}\n")
                .orElse(outer + inner + "\n");
    }

    /** A single-quoted PowerShell string holding {@code literal} as it is, whatever quote marks it has. */
    public static String quote(String literal) {
        StringBuilder quoted = new StringBuilder("'");
        for (char c : literal.toCharArray()) {
            quoted.append(c);
            if (SINGLE_QUOTES.indexOf(c) >= 0) {
                quoted.append(c);
            }
        }
        return quoted.append('\'').toString();
    }

    private static String encode(String script) {
        return Base64.getEncoder().encodeToString(script.getBytes(StandardCharsets.UTF_16LE));
    }

    /** Kills the process and whatever it started, so that a hung cmdlet leaves nothing running. */
    static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    private static String shorten(String text) {
        return text.length() <= MAX_ERROR_CHARS ? text : text.substring(0, MAX_ERROR_CHARS) + " ...";
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // A temp file left behind is harmless; the call's own outcome matters more.
            }
        }
    }

    /** The deadline passed; the process was killed and what it did is unknown until read again. */
    static final class PowerShellTimeoutException extends HostException {
        PowerShellTimeoutException(String message) {
            super(message, true, null);
        }
    }
}
