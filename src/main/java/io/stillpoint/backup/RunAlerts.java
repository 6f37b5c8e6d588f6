package io.stillpoint.backup;

import io.stillpoint.alert.Alert;
import io.stillpoint.alert.AlertType;
import io.stillpoint.catalog.BackupJob;
import io.stillpoint.catalog.BackupRun;
import io.stillpoint.catalog.Vm;

/** The alert a run raises, named as an admin reads it: which VM, which job, what happened. */
public final class RunAlerts {

    private static final int SUMMARY_CHARS = 300;

    private RunAlerts() {}

    /**
     * Must run inside a transaction (it reads the VM's and the job's names).
     *
     * @param what what happened to the backup, e.g. "failed: snapshot of VM 'db01' ... failed"
     */
    public static Alert of(AlertType type, BackupRun run, String what) {
        String vm = run.vmId == null ? "(unknown)"
                : Vm.<Vm>findByIdOptional(run.vmId).map(v -> "'" + v.name + "'").orElse(String.valueOf(run.vmId));
        String job = run.jobId == null ? null
                : BackupJob.byId(run.jobId).map(j -> "job '" + j.name + "'").orElse("job " + run.jobId);
        String summary = "backup of VM " + vm + (job == null ? "" : " (" + job + ")") + " " + oneLine(what);
        return Alert.of(type, summary).run(run.id).vm(run.vmId).job(run.jobId).restorePoint(run.restorePointId)
                .repository(run.repositoryId).node(run.node).scope(job == null ? "VM " + vm : job);
    }

    /** The first line of a message, cut to a length a mail subject can carry. */
    public static String oneLine(String text) {
        String line = text == null ? "" : text.strip().lines().findFirst().orElse("");
        return line.length() <= SUMMARY_CHARS ? line : line.substring(0, SUMMARY_CHARS - 1) + "…";
    }
}
