package io.stillpoint.schedule;

import io.stillpoint.catalog.BackupJob;
import java.text.ParseException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.TimeZone;
import java.util.UUID;
import jakarta.enterprise.context.ApplicationScoped;
import org.quartz.CronExpression;
import org.quartz.CronScheduleBuilder;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;

/**
 * Keeps Quartz's triggers in step with the catalog's jobs: one durable Quartz job and one cron trigger
 * per enabled backup job, keyed by the job's id, in the JDBC store every node shares.
 */
@ApplicationScoped
public class JobScheduler {

    static final String GROUP = "backup-jobs";
    static final String JOB_ID = "jobId";

    private final Scheduler quartz;

    JobScheduler(Scheduler quartz) {
        this.quartz = quartz;
    }

    /**
     * (Re)schedules an enabled job, unschedules a disabled one. A fire missed while no node ran is
     * fired once when a node is back, not once per missed fire (Quartz's "fire and proceed").
     * Must run inside the transaction that changes the job, so both commit together.
     */
    public void sync(BackupJob job) {
        try {
            if (!job.enabled) {
                quartz.deleteJob(key(job.id));
                return;
            }
            JobDetail detail = JobBuilder.newJob(ScheduledBackup.class)
                    .withIdentity(key(job.id))
                    .withDescription(job.name)
                    .usingJobData(JOB_ID, job.id.toString())
                    .storeDurably()
                    // A node that dies in the middle of a fire: another node fires it again; runs the
                    // dead node already created are refused as duplicates and recovered by ClusterWatch.
                    .requestRecovery()
                    .build();
            Trigger trigger = TriggerBuilder.newTrigger()
                    .withIdentity(job.id.toString(), GROUP)
                    .forJob(detail)
                    .withSchedule(CronScheduleBuilder.cronSchedule(job.schedule)
                            .inTimeZone(TimeZone.getTimeZone(ZoneId.of(job.timeZone)))
                            .withMisfireHandlingInstructionFireAndProceed())
                    .build();
            quartz.scheduleJob(detail, Set.of(trigger), true);
        } catch (SchedulerException e) {
            throw new IllegalStateException("job '" + job.name + "' could not be scheduled: " + e.getMessage(), e);
        }
    }

    public void remove(UUID jobId) {
        try {
            quartz.deleteJob(key(jobId));
        } catch (SchedulerException e) {
            throw new IllegalStateException("job " + jobId + " could not be unscheduled: " + e.getMessage(), e);
        }
    }

    /**
     * The id to store for a requested time zone, so that retention ({@code java.time}) and Quartz ({@code
     * java.util.TimeZone}, whose own id its JDBC store keeps and reads back) follow the same rules:
     * normalized, a fixed offset as {@code +05:00} and UTC as {@code UTC}. {@code TimeZone} reads an id it
     * does not know as GMT without a word, so the round trip is checked.
     *
     * @throws DateTimeException when {@code java.time} does not know the zone, or Quartz would not read it
     *     back with the same rules (e.g. an offset with seconds)
     */
    public static String storableZone(String requested) {
        ZoneId normalized = ZoneId.of(requested).normalized();
        String id = normalized.equals(ZoneOffset.UTC) ? "UTC" : normalized.getId();
        ZoneId stored = ZoneId.of(id);
        TimeZone readBack = TimeZone.getTimeZone(TimeZone.getTimeZone(stored).getID());
        if (!readBack.toZoneId().getRules().equals(stored.getRules())) {
            throw new DateTimeException("the scheduler would read '" + requested + "' as " + readBack.getID());
        }
        return id;
    }

    /** The next {@code count} fire times of a cron expression in a time zone, from now. */
    public static List<Instant> nextFireTimes(String schedule, String timeZone, int count) {
        List<Instant> times = new ArrayList<>();
        try {
            CronExpression cron = new CronExpression(schedule);
            cron.setTimeZone(TimeZone.getTimeZone(ZoneId.of(timeZone)));
            Date next = new Date();
            for (int i = 0; i < count; i++) {
                next = cron.getNextValidTimeAfter(next);
                if (next == null) {
                    break;
                }
                times.add(next.toInstant());
            }
        } catch (ParseException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return times;
    }

    private static JobKey key(UUID jobId) {
        return JobKey.jobKey(jobId.toString(), GROUP);
    }
}
