package io.stillpoint.backup;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.alert.AlertType;
import io.stillpoint.alert.Alerts;
import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.catalog.BackupRun;
import io.stillpoint.catalog.Host;
import io.stillpoint.catalog.RunStatus;
import io.stillpoint.catalog.Vm;
import io.stillpoint.config.NodeName;
import io.stillpoint.config.StillpointConfig;
import io.stillpoint.inventory.BusyException;
import io.stillpoint.host.HostException;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.inventory.HostRegistry;
import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.inventory.VmLocks;
import io.stillpoint.inventory.WriterRegistry;
import io.stillpoint.writer.SnapshotWriter;
import io.stillpoint.writer.WriterAvailability;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Accepts backup requests: validates them, catalogs the run with its VM lock, and queues it. */
@ApplicationScoped
public class BackupService {

    private final HostRegistry hosts;
    private final WriterRegistry writers;
    private final VmLocks locks;
    private final BackupPipeline pipeline;
    private final String node;
    private final Alerts alerts;
    private final ExecutorService executor;

    BackupService(HostRegistry hosts, WriterRegistry writers, VmLocks locks, BackupPipeline pipeline,
            StillpointConfig config, NodeName node, Alerts alerts) {
        this.hosts = hosts;
        this.writers = writers;
        this.locks = locks;
        this.pipeline = pipeline;
        this.node = node.value();
        this.alerts = alerts;
        int parallel = config.backup().parallelRuns();
        AtomicInteger count = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(parallel, parallel, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> new Thread(r, "backup-run-" + count.incrementAndGet()));
    }

    /**
     * Catalogs a QUEUED run holding the VM's lock and queues it.
     *
     * @throws NotFoundException for an unknown VM or repository
     * @throws InvalidRequestException for a writer that does not exist, is unavailable or does not fit
     *     the VM's host
     * @throws BusyException when the VM is held by another run or a restore
     */
    public BackupRun request(BackupRequest request) {
        BackupRun run = create(request);
        executor.execute(() -> pipeline.execute(run.id));
        return run;
    }

    /** As {@link #request}, without queueing: the caller executes the run with {@link BackupPipeline#execute}. */
    public BackupRun create(BackupRequest request) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Vm vm = Vm.byId(request.vmId()).orElseThrow(() -> new NotFoundException("VM", request.vmId()));
            Host host = Host.byId(vm.hostId).orElseThrow();
            refuseBlocked(host, vm);
            BackupRepository repository = request.repositoryId() == null
                    ? BackupRepository.<BackupRepository>findAll().firstResultOptional()
                            .orElseThrow(() -> new InvalidRequestException("repositoryId",
                                    "no repository exists yet; create one with POST /api/repositories"))
                    : BackupRepository.byId(request.repositoryId())
                            .orElseThrow(() -> new InvalidRequestException("repositoryId",
                                    "repository " + request.repositoryId() + " does not exist"));
            SnapshotWriter writer = chooseWriter(request.writer(), host);

            BackupRun created = new BackupRun();
            created.id = UUID.randomUUID();
            created.vmId = vm.id;
            created.jobId = request.jobId();
            created.repositoryId = repository.id;
            created.requestedMode = request.mode().id();
            created.writer = writer.kind();
            created.bandwidthLimit = request.bandwidthLimit();
            created.minimumConsistency = request.minimumConsistency() == null ? null : request.minimumConsistency().id();
            created.scheduledFor = request.scheduledFor();
            created.status = RunStatus.QUEUED;
            created.node = node;
            created.createdAt = Instant.now();
            created.persist();
            locks.acquire(vm, "run", created.id, node);
            return created;
        });
    }

    /**
     * Records that a scheduled fire did not back up a VM, and why (busy, or a job that no longer fits
     * it), so that no fire is dropped silently; with its alert, {@code vm-skipped} or {@code run-failed}.
     */
    public BackupRun recordNotRun(BackupRequest request, RunStatus status, String reason) {
        return QuarkusTransaction.requiringNew().call(() -> {
            BackupRun run = new BackupRun();
            run.id = UUID.randomUUID();
            run.vmId = request.vmId();
            run.jobId = request.jobId();
            run.repositoryId = request.repositoryId();
            run.requestedMode = request.mode().id();
            run.writer = request.writer() == null ? "default" : request.writer();
            run.status = status;
            run.error = reason;
            run.node = node;
            run.scheduledFor = request.scheduledFor();
            run.createdAt = Instant.now();
            run.finishedAt = run.createdAt;
            run.persist();
            alerts.raise(status == RunStatus.SKIPPED
                    ? RunAlerts.of(AlertType.VM_SKIPPED, run, "was " + reason)
                    : RunAlerts.of(AlertType.RUN_FAILED, run, "failed: " + reason));
            return run;
        });
    }

    /** A VM with a disk Stillpoint cannot snapshot is refused before a run is made for it. */
    private void refuseBlocked(Host host, Vm vm) {
        String reason;
        try {
            reason = hosts.of(host).guest(vm.ref).backupBlockedReason();
        } catch (HostException unreachable) {
            // The run fails with the host's own error, as for any host it cannot reach.
            return;
        }
        if (reason != null) {
            throw new InvalidRequestException("vmId", "VM '" + vm.name + "' cannot be backed up: " + reason);
        }
    }

    private SnapshotWriter chooseWriter(String requested, Host host) {
        Hypervisor hypervisor = hosts.of(host);
        if (requested == null) {
            return writers.defaultFor(hypervisor)
                    .orElseThrow(() -> new InvalidRequestException("writer",
                            "no available writer supports hosts of type '" + host.type + "'"));
        }
        SnapshotWriter writer = writers.byKind(requested)
                .orElseThrow(() -> new InvalidRequestException("writer",
                        "'" + requested + "' is not a writer; writers are " + writers.kinds()));
        boolean supported = writer.supportsHost(host.type);
        WriterAvailability availability = supported ? writer.availabilityFor(hypervisor) : writer.availability();
        if (!availability.available()) {
            throw new InvalidRequestException("writer",
                    "'" + requested + "' is not available for host '" + host.name + "': " + availability.reason());
        }
        if (!supported) {
            throw new InvalidRequestException("writer",
                    "'" + requested + "' cannot snapshot guests of '" + host.type + "' hosts");
        }
        return writer;
    }

    @PreDestroy
    void shutdown() {
        executor.shutdownNow();
    }
}
