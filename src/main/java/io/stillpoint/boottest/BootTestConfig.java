package io.stillpoint.boottest;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Bounds of the sandboxes that boot-test restore points. The emulator is one of the QEMU executables
 * {@code stillpoint.qemu.binaries} allows, chosen by file name here; a restore point's own files never
 * choose what runs.
 */
@ConfigMapping(prefix = "stillpoint.boot-test")
public interface BootTestConfig {

    /** Guest memory of a sandbox in MiB; a point whose VM had less gets what it had. */
    @WithDefault("1024")
    long memoryMib();

    /** Virtual CPUs of a sandbox. */
    @WithDefault("1")
    int cpus();

    /** How long a guest may take to prove it is up; a request may ask for less, never for more. */
    @WithDefault("PT5M")
    Duration timeout();

    /** How many sandboxes run at once on this node; more requests wait for a free one. */
    @WithDefault("1")
    int maxConcurrent();

    /**
     * The accelerator: {@code tcg} (works everywhere) or {@code kvm}. KVM with the host's CPU aborts in
     * nested setups, so TCG is the default.
     */
    @WithDefault("tcg")
    String accelerator();

    /** The CPU model: a named model ({@code max}, {@code qemu64}, {@code Skylake-Server}), never {@code host} under TCG. */
    @WithDefault("max")
    String cpuModel();

    /** The file name of the allowed QEMU executable that runs sandboxes. */
    @WithDefault("qemu-system-x86_64")
    String emulator();

    /** A guest whose serial console shows a match of this regular expression is up. */
    Optional<String> serialPattern();

    /** A guest whose serial console shows a match of this regular expression panicked: the test fails. */
    @WithDefault("Kernel panic - not syncing")
    String panicPattern();

    /**
     * A program and its arguments that must exit 0 inside the guest (run through the guest agent's
     * {@code guest-exec}) for a test to pass; a request may give its own.
     */
    Optional<List<String>> checkCommand();

    /** Where the sandboxes' throwaway overlays and sockets live while a test runs. */
    @WithDefault("${stillpoint.home}/boot-tests/work")
    Path workDir();

    /** Where screenshots and serial logs are kept, a folder per restore point, until the point is deleted. */
    @WithDefault("${stillpoint.home}/boot-tests/results")
    Path resultsDir();
}
