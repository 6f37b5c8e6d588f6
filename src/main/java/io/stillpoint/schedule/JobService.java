package io.stillpoint.schedule;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import io.stillpoint.backup.BackupMode;
import io.stillpoint.backup.Consistency;
import io.stillpoint.backup.Retention;
import io.stillpoint.backup.RetentionPolicy;
import io.stillpoint.backup.RetentionService;
import io.stillpoint.catalog.BackupJob;
import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.catalog.Host;
import io.stillpoint.catalog.Vm;
import io.stillpoint.inventory.ConflictException;
import io.stillpoint.inventory.HostRegistry;
import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.inventory.WriterRegistry;
import io.stillpoint.writer.SnapshotWriter;
import io.stillpoint.writer.WriterAvailability;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.quartz.CronExpression;

/** Creates, changes and removes backup jobs, validating everything first and keeping Quartz in step. */
@ApplicationScoped
public class JobService {

    private static final Logger LOG = Logger.getLogger(JobService.class);

    /** What a job is made of, as a request gives it. */
    public record JobSpec(
            String name,
            String schedule,
            String timeZone,
            List<UUID> vmIds,
            String vmNamePattern,
            String mode,
            String writer,
            UUID repositoryId,
            Map<String, Integer> retention,
            Boolean enabled,
            Boolean verifyAfter,
            Integer maxParallel,
            String minimumConsistency,
            Integer compareEvery,
            Boolean bootTestAfter) {}

    private final JobScheduler scheduler;
    private final WriterRegistry writers;
    private final HostRegistry hosts;
    private final RetentionService retention;

    JobService(JobScheduler scheduler, WriterRegistry writers, HostRegistry hosts, RetentionService retention) {
        this.scheduler = scheduler;
        this.writers = writers;
        this.hosts = hosts;
        this.retention = retention;
    }

    public BackupJob create(JobSpec spec) {
        return QuarkusTransaction.requiringNew().call(() -> {
            if (spec.name() != null && BackupJob.byName(spec.name()).isPresent()) {
                throw new InvalidRequestException("name", "a job named '" + spec.name() + "' exists already");
            }
            BackupJob job = new BackupJob();
            job.id = UUID.randomUUID();
            job.createdAt = Instant.now();
            apply(job, spec);
            job.persist();
            scheduler.sync(job);
            return job;
        });
    }

    public BackupJob update(UUID id, JobSpec spec) {
        return QuarkusTransaction.requiringNew().call(() -> {
            BackupJob job = BackupJob.byId(id).orElseThrow(() -> new NotFoundException("job", id));
            BackupJob.byName(spec.name()).filter(other -> !other.id.equals(id)).ifPresent(other -> {
                throw new InvalidRequestException("name", "a job named '" + spec.name() + "' exists already");
            });
            apply(job, spec);
            scheduler.sync(job);
            return job;
        });
    }

    public BackupJob setEnabled(UUID id, boolean enabled) {
        return QuarkusTransaction.requiringNew().call(() -> {
            BackupJob job = BackupJob.byId(id).orElseThrow(() -> new NotFoundException("job", id));
            if (enabled) {
                refuseLegacyPattern(job);
            }
            job.enabled = enabled;
            job.updatedAt = Instant.now();
            scheduler.sync(job);
            return job;
        });
    }

    public void delete(UUID id) {
        QuarkusTransaction.requiringNew().run(() -> {
            BackupJob job = BackupJob.byId(id).orElseThrow(() -> new NotFoundException("job", id));
            scheduler.remove(job.id);
            job.delete();
        });
    }

    void onStart(@Observes @Priority(40) StartupEvent start) {
        normalizeStoredZones();
    }

    /**
     * Jobs stored before zones were normalized may hold an id such as {@code UTC+05:00}, which retention
     * reads as +05:00 and Quartz as GMT: each is stored normalized and rescheduled. One Quartz can still not
     * read is left as it is and named in the log.
     */
    public void normalizeStoredZones() {
        QuarkusTransaction.requiringNew().run(() -> {
            for (BackupJob job : BackupJob.<BackupJob>listAll()) {
                String stored;
                try {
                    stored = JobScheduler.storableZone(job.timeZone);
                } catch (DateTimeException e) {
                    LOG.warnf("job '%s' has the time zone '%s', which the scheduler does not read as it is (%s);"
                            + " give it another", job.name, job.timeZone, e.getMessage());
                    continue;
                }
                if (!stored.equals(job.timeZone)) {
                    LOG.infof("job '%s': time zone '%s' is stored as '%s' from now on", job.name, job.timeZone, stored);
                    job.timeZone = stored;
                    job.updatedAt = Instant.now();
                    scheduler.sync(job);
                }
            }
        });
    }

    /**
     * A job whose regular expression had no glob equivalent would, run now, silently leave out the VMs that
     * expression picked; it runs again only once someone has chosen its VMs anew.
     */
    static void refuseLegacyPattern(BackupJob job) {
        if (job.legacyVmNameRegex != null) {
            throw new ConflictException("job '" + job.name + "' picked VMs by the regular expression '"
                    + excerpt(job.legacyVmNameRegex) + "', which has no glob equivalent; it was disabled"
                    + " on upgrade: give it a vmNamePattern glob (or vmIds) with PUT /api/jobs/" + job.id + " first");
        }
    }

    /** The start of a kept regular expression, enough to recognise it: some were megabytes long. */
    public static String excerpt(String legacyRegex) {
        return legacyRegex.length() <= 200 ? legacyRegex : legacyRegex.substring(0, 200) + "…";
    }

    /** Per VM of the job, what its retention keeps and removes, and which rule keeps each. */
    public Map<Vm, List<Retention.Decision>> prune(UUID id, boolean dryRun) {
        BackupJob job = QuarkusTransaction.requiringNew().call(
                () -> BackupJob.byId(id).orElseThrow(() -> new NotFoundException("job", id)));
        List<Vm> vms = QuarkusTransaction.requiringNew().call(() -> JobRunner.vmsOf(job));
        Map<UUID, List<Retention.Decision>> byVmId = retention.apply(vms.stream().map(vm -> vm.id).toList(),
                job.repositoryId, RetentionPolicy.of(job.retention), ZoneId.of(job.timeZone), dryRun);
        Map<Vm, List<Retention.Decision>> decisions = new LinkedHashMap<>();
        vms.forEach(vm -> decisions.put(vm, byVmId.get(vm.id)));
        return decisions;
    }

    /** Validates the whole spec before changing anything; the first wrong field is named. */
    private void apply(BackupJob job, JobSpec spec) {
        if (spec.name() == null || !spec.name().matches("[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}")) {
            throw new InvalidRequestException("name", "must be 1-63 letters, digits, spaces, '.', '_' or '-'");
        }
        if (spec.schedule() == null || !CronExpression.isValidExpression(spec.schedule())) {
            throw new InvalidRequestException("schedule", "'" + spec.schedule()
                    + "' is not a Quartz cron expression (seconds minutes hours day-of-month month day-of-week [year],"
                    + " e.g. '0 0 2 * * ?')");
        }
        String requestedZone = spec.timeZone() == null ? "UTC" : spec.timeZone();
        String timeZone;
        try {
            timeZone = JobScheduler.storableZone(requestedZone);
        } catch (DateTimeException e) {
            throw new InvalidRequestException("timeZone", "'" + requestedZone + "' is not a time zone the scheduler"
                    + " reads back as it is (e.g. 'Europe/Berlin', 'UTC' or '+05:30'): " + e.getMessage());
        }
        if (JobScheduler.nextFireTimes(spec.schedule(), timeZone, 1).isEmpty()) {
            throw new InvalidRequestException("schedule", "never fires again");
        }
        List<UUID> vmIds = spec.vmIds() == null ? List.of() : spec.vmIds();
        if (vmIds.isEmpty() && (spec.vmNamePattern() == null || spec.vmNamePattern().isBlank())) {
            throw new InvalidRequestException("vmIds", "name VMs by id, or give a vmNamePattern, or both");
        }
        for (UUID vmId : vmIds) {
            if (vmId == null || Vm.byId(vmId).isEmpty()) {
                throw new InvalidRequestException("vmIds", "VM " + vmId + " does not exist");
            }
        }
        if (spec.vmNamePattern() != null && !spec.vmNamePattern().isBlank()) {
            try {
                VmNameGlob.of(spec.vmNamePattern());
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException("vmNamePattern", "is not a glob (* any run of characters, ? one"
                        + " character, [abc] or [a-z] one of a set, [!abc] one not in it, \\ escapes): "
                        + e.getMessage());
            }
        }
        String mode = spec.mode() == null ? BackupMode.AUTO.id() : spec.mode();
        if (BackupMode.parse(mode).isEmpty()) {
            throw new InvalidRequestException("mode", "'" + mode + "' is not a mode; modes are " + BackupMode.ids());
        }
        if (spec.writer() != null) {
            SnapshotWriter writer = writers.byKind(spec.writer()).orElseThrow(() -> new InvalidRequestException("writer",
                    "'" + spec.writer() + "' is not a writer; writers are " + writers.kinds()));
            // A job that picks VMs by pattern may meet any host later; only a writer this server can run will do.
            if (vmIds.isEmpty() && !writer.availability().available()) {
                throw new InvalidRequestException("writer", "'" + spec.writer() + "' is not available here: "
                        + writer.availability().reason());
            }
            for (UUID vmId : vmIds) {
                Vm vm = Vm.byId(vmId).orElseThrow();
                Host host = Host.byId(vm.hostId).orElseThrow();
                boolean supported = writer.supportsHost(host.type);
                WriterAvailability availability = supported ? writer.availabilityFor(hosts.of(host)) : writer.availability();
                if (!availability.available()) {
                    throw new InvalidRequestException("writer", "'" + spec.writer() + "' is not available for VM '"
                            + vm.name + "' on host '" + host.name + "': " + availability.reason());
                }
                if (!supported) {
                    throw new InvalidRequestException("writer", "'" + spec.writer() + "' cannot snapshot VM '" + vm.name
                            + "' on a '" + host.type + "' host");
                }
            }
        }
        if (spec.repositoryId() == null || BackupRepository.byId(spec.repositoryId()).isEmpty()) {
            throw new InvalidRequestException("repositoryId", "repository " + spec.repositoryId() + " does not exist");
        }
        if (spec.retention() == null) {
            throw new InvalidRequestException("retention", "is required, e.g. {\"keepLast\": 7, \"keepDaily\": 14}");
        }
        RetentionPolicy policy;
        try {
            policy = RetentionPolicy.of(spec.retention());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("retention." + e.getMessage().substring(0, e.getMessage().indexOf(':')),
                    e.getMessage());
        }
        if (policy.keepsNothing()) {
            throw new InvalidRequestException("retention", "must keep something: at least one rule above zero");
        }
        int maxParallel = spec.maxParallel() == null ? 2 : spec.maxParallel();
        if (maxParallel < 1 || maxParallel > 64) {
            throw new InvalidRequestException("maxParallel", "must be between 1 and 64");
        }
        if (spec.minimumConsistency() != null && Consistency.parse(spec.minimumConsistency()).isEmpty()) {
            throw new InvalidRequestException("minimumConsistency", "'" + spec.minimumConsistency()
                    + "' is not a consistency; they are " + Consistency.ids());
        }
        if (spec.compareEvery() != null && (spec.compareEvery() < 1 || spec.compareEvery() > 1000)) {
            throw new InvalidRequestException("compareEvery", "must be between 1 (compare every time) and 1000, or absent");
        }
        job.name = spec.name();
        job.schedule = spec.schedule();
        job.timeZone = timeZone;
        job.vmIds = new ArrayList<>(vmIds);
        job.vmNamePattern = spec.vmNamePattern() == null || spec.vmNamePattern().isBlank() ? null : spec.vmNamePattern();
        // The whole selection is given anew, so a regular expression kept from before the upgrade is settled.
        job.legacyVmNameRegex = null;
        job.mode = mode;
        job.writer = spec.writer();
        job.repositoryId = spec.repositoryId();
        job.retention = policy.asMap();
        job.enabled = spec.enabled() == null || spec.enabled();
        job.verifyAfter = spec.verifyAfter() != null && spec.verifyAfter();
        job.bootTestAfter = spec.bootTestAfter() != null && spec.bootTestAfter();
        job.maxParallel = maxParallel;
        job.minimumConsistency = spec.minimumConsistency();
        job.compareEvery = spec.compareEvery();
        job.updatedAt = Instant.now();
    }
}
