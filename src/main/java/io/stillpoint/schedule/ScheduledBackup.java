package io.stillpoint.schedule;

import jakarta.inject.Inject;
import java.util.UUID;
import org.quartz.Job;
import org.quartz.JobExecutionContext;

/** What Quartz runs when a backup job's trigger fires, on whichever node acquired the fire. */
public class ScheduledBackup implements Job {

    @Inject
    JobRunner runner;

    @Override
    public void execute(JobExecutionContext context) {
        UUID jobId = UUID.fromString(context.getMergedJobDataMap().getString(JobScheduler.JOB_ID));
        runner.fire(jobId, context.getScheduledFireTime().toInstant());
    }
}
