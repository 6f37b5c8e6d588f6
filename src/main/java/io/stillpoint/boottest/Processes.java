package io.stillpoint.boottest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a short helper program (qemu-img) to its end. */
final class Processes {

    private Processes() {}

    /** @return null if it exited 0, else what it printed and its exit code */
    static String run(List<String> command, Duration deadline) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                return "did not finish within " + deadline.toSeconds() + " s";
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            return "interrupted";
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return process.exitValue() == 0 ? null : "exit " + process.exitValue() + ": " + output;
    }
}
