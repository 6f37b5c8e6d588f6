package io.stillpoint.schedule;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.backup.BackupMode;
import io.stillpoint.backup.BackupPipeline;
import io.stillpoint.backup.BackupRequest;
import io.stillpoint.backup.BackupService;
import io.stillpoint.backup.Consistency;
import io.stillpoint.backup.RetentionPolicy;
import io.stillpoint.backup.RetentionService;
import io.stillpoint.boottest.BootTestService;
import io.stillpoint.catalog.BackupJob;
import io.stillpoint.catalog.BackupRun;
import io.stillpoint.catalog.RunStatus;
import io.stillpoint.catalog.Vm;
import io.stillpoint.inventory.ConflictException;
import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.restore.VerifyService;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.PersistenceException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jboss.logging.Logger;

/**
 * Executes a backup job: one run per VM, several at once up to the job's limit, then verify (if asked),
 * a boot test in the background (if asked) and retention for each VM whose run succeeded and whose verify, if asked, passed. A VM that is busy is
 * recorded as SKIPPED with the reason; a fire is never dropped silently.
 */
@ApplicationScoped
public class JobRunner {

    private static final Logger LOG = Logger.getLogger(JobRunner.class);

    private final BackupService backups;
    private final BackupPipeline pipeline;
    private final VerifyService verifier;
    private final RetentionService retention;
    private final BootTestService bootTests;
    private final ExecutorService manual = Executors.newCachedThreadPool(r -> new Thread(r, "job-run-now"));

    JobRunner(BackupService backups, BackupPipeline pipeline, VerifyService verifier, RetentionService retention,
            BootTestService bootTests) {
        this.bootTests = bootTests;
        this.backups = backups;
        this.pipeline = pipeline;
        this.verifier = verifier;
        this.retention = retention;
    }

    /** A scheduled fire: runs the job on the calling (Quartz) thread until every run has ended. */
    public void fire(UUID jobId, Instant scheduledFor) {
        BackupJob job = QuarkusTransaction.requiringNew().call(() -> BackupJob.byId(jobId).orElse(null));
        if (job == null || !job.enabled) {
            return;
        }
        execute(job, start(job, scheduledFor));
    }

    /** "Run now": starts the runs, returns them at once, and executes them in the background. */
    public List<BackupRun> runNow(UUID jobId) {
        BackupJob job = QuarkusTransaction.requiringNew().call(
                () -> BackupJob.byId(jobId).orElseThrow(() -> new NotFoundException("job", jobId)));
        JobService.refuseLegacyPattern(job);
        List<BackupRun> runs = start(job, null);
        manual.execute(() -> execute(job, runs));
        return runs;
    }

    /** The VMs a job covers now: those it names and those whose whole name matches its glob. */
    public static List<Vm> vmsOf(BackupJob job) {
        Map<UUID, Vm> vms = new LinkedHashMap<>();
        for (UUID id : job.vmIds) {
            Vm.byId(id).ifPresent(vm -> vms.put(vm.id, vm));
        }
        if (job.vmNamePattern != null) {
            VmNameGlob glob = VmNameGlob.of(job.vmNamePattern);
            for (Vm vm : Vm.<Vm>list("order by name")) {
                if (glob.matches(vm.name)) {
                    vms.putIfAbsent(vm.id, vm);
                }
            }
        }
        return new ArrayList<>(vms.values());
    }

    private List<BackupRun> start(BackupJob job, Instant scheduledFor) {
        List<Vm> vms = QuarkusTransaction.requiringNew().call(() -> vmsOf(job));
        List<BackupRun> started = new ArrayList<>();
        for (Vm vm : vms) {
            BackupRequest request = new BackupRequest(vm.id, BackupMode.parse(job.mode).orElseThrow(), job.writer,
                    job.repositoryId, job.id, null,
                    job.minimumConsistency == null ? null : Consistency.parse(job.minimumConsistency).orElseThrow(),
                    scheduledFor);
            if (vm.vanishedAt != null) {
                backups.recordNotRun(request, RunStatus.SKIPPED, "skipped: VM '" + vm.name
                        + "' is no longer listed by its host (since " + vm.vanishedAt + "); its restore points are kept");
                continue;
            }
            try {
                started.add(backups.create(request));
            } catch (ConflictException busy) {
                backups.recordNotRun(request, RunStatus.SKIPPED, "skipped: " + busy.getMessage());
            } catch (InvalidRequestException | NotFoundException unfit) {
                backups.recordNotRun(request, RunStatus.FAILED, "the job cannot back up this VM: " + unfit.getMessage());
            } catch (PersistenceException alreadyFired) {
                LOG.warnf("job '%s' fire %s already has a run for VM '%s'", job.name, scheduledFor, vm.name);
            }
        }
        return started;
    }

    private void execute(BackupJob job, List<BackupRun> runs) {
        if (runs.isEmpty()) {
            return;
        }
        ExecutorService parallel = Executors.newFixedThreadPool(Math.min(job.maxParallel, runs.size()),
                r -> new Thread(r, "job-" + job.name));
        try {
            List<Future<?>> pending = new ArrayList<>();
            for (BackupRun run : runs) {
                pending.add(parallel.submit(() -> executeOne(job, run.id)));
            }
            for (Future<?> future : pending) {
                future.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            LOG.errorf(e.getCause(), "job '%s' failed", job.name);
        } finally {
            parallel.shutdown();
        }
    }

    private void executeOne(BackupJob job, UUID runId) {
        pipeline.execute(runId);
        BackupRun run = QuarkusTransaction.requiringNew().call(() -> BackupRun.byId(runId).orElseThrow());
        if (run.status != RunStatus.SUCCEEDED || run.restorePointId == null) {
            return;
        }
        if (job.verifyAfter && !verifier.verify(run.restorePointId).isEmpty()) {
            LOG.warnf("job '%s': restore point %s of VM %s failed its verify, so retention is not applied after this run",
                    job.name, run.restorePointId, run.vmId);
            return;
        }
        if (job.bootTestAfter) {
            bootTests.startAfterRun(run.restorePointId, job.name);
        }
        RetentionPolicy policy = RetentionPolicy.of(job.retention);
        if (!policy.keepsNothing()) {
            retention.apply(List.of(run.vmId), job.repositoryId, policy, ZoneId.of(job.timeZone), false);
        }
    }

    @PreDestroy
    void shutdown() {
        manual.shutdownNow();
    }
}
