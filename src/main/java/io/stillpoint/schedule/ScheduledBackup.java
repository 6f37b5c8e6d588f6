package io.stillpoint.schedule;

import jakarta.inject.Inject;
import java.time.Instant;
import java.util.UUID;
import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.quartz.Scheduler;

/** What Quartz runs when a backup job's trigger fires, on whichever node acquired the fire. */
public class ScheduledBackup implements Job {

    @Inject
    JobRunner runner;

    @Override
    public void execute(JobExecutionContext context) {
        UUID jobId = UUID.fromString(context.getMergedJobDataMap().getString(JobScheduler.JOB_ID));
        runner.fire(jobId, scheduledFor(context));
    }

    /** A recovered fire keeps the time of the fire it replays, so it cannot produce a second run. */
    static Instant scheduledFor(JobExecutionContext context) {
        if (context.isRecovering()) {
            long original = context.getMergedJobDataMap().getLongValue(Scheduler.FAILED_JOB_ORIGINAL_TRIGGER_FIRETIME_IN_MILLISECONDS);
            return Instant.ofEpochMilli(original);
        }
        return context.getScheduledFireTime().toInstant();
    }
}
