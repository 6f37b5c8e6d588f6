package io.stillpoint.alert;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What can go wrong that an admin must hear of. A new kind of alert is one constant here and one {@link
 * Alerts#raise} where it happens; channels, rules, the API and the console take the list from here.
 */
public enum AlertType {
    RUN_FAILED("run-failed", Severity.CRITICAL, "runs failed", "a backup run failed, or a job could not back up a VM"),
    RUN_WARNING("run-warning", Severity.WARNING, "runs succeeded with a warning",
            "a run made its restore point but something after it went wrong, e.g. releasing the snapshot"),
    VM_SKIPPED("vm-skipped", Severity.WARNING, "VMs skipped",
            "a job's fire did not back up a VM: it was busy, or its host no longer lists it"),
    VM_UNPROTECTED("vm-unprotected", Severity.CRITICAL, "VMs unprotected",
            "a VM's newest restore point is older than its job's schedule allows, or than its own bound"),
    VERIFY_FAILED("verify-failed", Severity.CRITICAL, "verifies failed",
            "a restore point's files do not match its manifest"),
    BOOT_TEST_FAILED("boot-test-failed", Severity.CRITICAL, "boot tests failed",
            "a restore point's disks did not boot in the sandbox, or the guest's check command failed"),
    REPOSITORY_NEARLY_FULL("repository-nearly-full", Severity.WARNING, "repositories nearly full",
            "a repository's file system is fuller than the threshold"),
    REPOSITORY_CHECK_FAILED("repository-check-failed", Severity.CRITICAL, "repositories failing their check",
            "a repository's folder is missing, unmarked or not writable, or restore points lost their files"),
    NODE_SILENT("node-silent", Severity.CRITICAL, "nodes silent",
            "a server node of the cluster stopped sending its heartbeat"),
    RECOVERY_REPAIRED("recovery-repaired", Severity.WARNING, "recoveries repaired something",
            "recovery found interrupted work (runs, restores, leftovers) and repaired it"),
    TEST("test", Severity.INFO, "test messages", "a test message an admin asked for");

    private final String id;
    private final Severity severity;
    private final String plural;
    private final String description;

    AlertType(String id, Severity severity, String plural, String description) {
        this.id = id;
        this.severity = severity;
        this.plural = plural;
        this.description = description;
    }

    public String id() {
        return id;
    }

    /** The severity its events have unless the place that raises one says otherwise. */
    public Severity severity() {
        return severity;
    }

    /** How a group of such events is titled: "3 runs failed in job 'nightly'". */
    public String plural() {
        return plural;
    }

    public String description() {
        return description;
    }

    public static Optional<AlertType> parse(String id) {
        return Arrays.stream(values()).filter(t -> t.id.equals(id)).findFirst();
    }

    public static String ids() {
        return Arrays.stream(values()).map(AlertType::id).collect(Collectors.joining(", "));
    }
}
