package io.stillpoint.alert;

import java.util.UUID;

/**
 * An alert as the place that raises it describes it: its type, a one-line summary, and the ids it is about.
 * Built by {@link #of} and the {@code with}-style methods, e.g.
 * {@code Alert.of(AlertType.VERIFY_FAILED, "restore point ... failed its verify").vm(vmId).restorePoint(pointId)}.
 *
 * @param scope what the event is about, as a group of events is titled ("job 'nightly'"); empty when it is
 *     about the server as a whole
 */
public record Alert(AlertType type, Severity severity, String summary, String scope, UUID vmId, UUID jobId,
        UUID runId, UUID restorePointId, UUID repositoryId, String node) {

    public static Alert of(AlertType type, String summary) {
        return new Alert(type, type.severity(), summary, "", null, null, null, null, null, null);
    }

    public Alert severity(Severity value) {
        return new Alert(type, value, summary, scope, vmId, jobId, runId, restorePointId, repositoryId, node);
    }

    public Alert scope(String value) {
        return new Alert(type, severity, summary, value, vmId, jobId, runId, restorePointId, repositoryId, node);
    }

    public Alert vm(UUID value) {
        return new Alert(type, severity, summary, scope, value, jobId, runId, restorePointId, repositoryId, node);
    }

    public Alert job(UUID value) {
        return new Alert(type, severity, summary, scope, vmId, value, runId, restorePointId, repositoryId, node);
    }

    public Alert run(UUID value) {
        return new Alert(type, severity, summary, scope, vmId, jobId, value, restorePointId, repositoryId, node);
    }

    public Alert restorePoint(UUID value) {
        return new Alert(type, severity, summary, scope, vmId, jobId, runId, value, repositoryId, node);
    }

    public Alert repository(UUID value) {
        return new Alert(type, severity, summary, scope, vmId, jobId, runId, restorePointId, value, node);
    }

    public Alert node(String value) {
        return new Alert(type, severity, summary, scope, vmId, jobId, runId, restorePointId, repositoryId, value);
    }

    /**
     * Events of one type about one job (one mail for fifty VMs failing in one fire), else one VM, one
     * repository or one node, are grouped.
     */
    String groupKey() {
        String about;
        if (jobId != null) {
            about = "job:" + jobId;
        } else if (vmId != null) {
            about = "vm:" + vmId;
        } else if (repositoryId != null) {
            about = "repository:" + repositoryId;
        } else if (node != null) {
            about = "node:" + node;
        } else {
            about = "server";
        }
        return type.id() + "/" + about;
    }

    /** The console's page for the event, as a fragment of its address. */
    String consolePath() {
        if (runId != null) {
            return "#/runs/" + runId;
        }
        if (vmId != null) {
            return "#/restore-points?vm=" + vmId + (restorePointId == null ? "" : "&point=" + restorePointId);
        }
        if (repositoryId != null) {
            return "#/repositories";
        }
        if (jobId != null) {
            return "#/jobs";
        }
        return "#/";
    }
}
