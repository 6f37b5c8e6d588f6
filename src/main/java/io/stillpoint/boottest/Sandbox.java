package io.stillpoint.boottest;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import java.util.regex.Pattern;

/**
 * Starts a restore point's guest somewhere it can harm nothing and says whether it came up. The contract:
 * the point's files are only read; whatever the sandbox made (processes, overlays, sockets) is gone when
 * {@link #run} returns, on every path; the verdict names what proves it.
 */
interface Sandbox {

    /**
     * @param pointFiles the point's VM folder ({@code files/} in the restore point), read only
     * @param name the VM's name, for the evidence
     * @param memoryBytes the memory the VM had, 0 if unknown
     * @param checkCommand a program and arguments that must exit 0 in the guest, or empty
     * @param serialPattern a console line that proves the guest up, or null
     * @param workDir an empty folder of Stillpoint's for the sandbox's throwaway files, removed by the caller
     * @param screenshot where to write a PNG of the guest's screen at the end
     * @param serialLog where to write what the guest printed on its serial console
     * @param started told the sandbox's process id once it runs, so recovery after a crash can stop it
     * @param cancelled true once the test is cancelled
     */
    record Request(Path pointFiles, String name, long memoryBytes, List<String> checkCommand, Pattern serialPattern,
            Duration timeout, Path workDir, Path screenshot, Path serialLog, LongConsumer started,
            BooleanSupplier cancelled) {}

    /**
     * @param passed whether the guest proved it is up
     * @param cancelled whether the test ended because it was cancelled
     * @param bootMillis from the sandbox's start to the proof; null when it failed
     * @param evidence what proved it up, or what failed
     */
    record Verdict(boolean passed, boolean cancelled, Long bootMillis, String evidence) {

        static Verdict passed(long bootMillis, String evidence) {
            return new Verdict(true, false, bootMillis, evidence);
        }

        static Verdict failed(String evidence) {
            return new Verdict(false, false, null, evidence);
        }

        static Verdict cancelled(String evidence) {
            return new Verdict(false, true, null, evidence);
        }
    }

    Verdict run(Request request) throws IOException;
}
