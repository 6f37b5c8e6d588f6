package io.stillpoint.instant;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.backup.RunProgress;
import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.catalog.Host;
import io.stillpoint.catalog.InstantRecovery;
import io.stillpoint.catalog.InstantRecovery.State;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.catalog.Vm;
import io.stillpoint.config.NodeName;
import io.stillpoint.config.StillpointConfig;
import io.stillpoint.copy.CopyProgress;
import io.stillpoint.fs.SafePaths;
import io.stillpoint.fs.UnsafePathException;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestNames;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.InstantGuests;
import io.stillpoint.host.InvalidGuestSpecException;
import io.stillpoint.inventory.ConflictException;
import io.stillpoint.inventory.HostRegistry;
import io.stillpoint.inventory.Inventory;
import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.inventory.VmLocks;
import io.stillpoint.repository.RepositoryLayout;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Runs VMs straight from restore points, moves their disks to their host, and throws them away. The VM of
 * a recovery holds its VM lock (holder {@value #HOLDER}) from its start until it is finalized or discarded,
 * so no backup snapshots a guest whose disks are overlays on a restore point; and its restore point is
 * neither pruned nor deleted meanwhile ({@link InstantRecovery#using}).
 */
@ApplicationScoped
public class InstantRecoveries {

    static final String HOLDER = "instant recovery";
    private static final Logger LOG = Logger.getLogger(InstantRecoveries.class);

    private final HostRegistry hosts;
    private final Inventory inventory;
    private final VmLocks locks;
    private final RunProgress progress;
    private final StillpointConfig config;
    private final String node;
    private final ExecutorService executor;

    InstantRecoveries(HostRegistry hosts, Inventory inventory, VmLocks locks, RunProgress progress,
            StillpointConfig config, NodeName node) {
        this.hosts = hosts;
        this.inventory = inventory;
        this.locks = locks;
        this.progress = progress;
        this.config = config;
        this.node = node.value();
        AtomicInteger count = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(2, r -> new Thread(r, "instant-recovery-" + count.incrementAndGet()));
    }

    /** What a start needs, read in one transaction. */
    private record Plan(InstantRecovery recovery, Host host, Path pointFiles) {}

    /**
     * Creates the VM on the host and starts it; returns once the host runs it.
     *
     * @throws InvalidRequestException naming {@code name}, {@code hostId} or {@code restorePointId} when the
     *     recovery cannot be made, with nothing changed
     */
    public InstantRecovery start(UUID pointId, String name, UUID hostId, String requestedBy) {
        if (name == null || name.isBlank()) {
            throw new InvalidRequestException("name", "is required: the new VM's name");
        }
        try {
            GuestNames.check("name", name);
        } catch (InvalidGuestSpecException e) {
            throw new InvalidRequestException(e.field(), e.problem());
        }
        Plan plan = QuarkusTransaction.requiringNew().call(() -> {
            RestorePoint point = RestorePoint.byId(pointId).orElseThrow(() -> new NotFoundException("restore point", pointId));
            Vm source = Vm.byId(point.vmId).orElseThrow();
            String field = hostId == null ? "restorePointId" : "hostId";
            Host host = Host.byId(hostId == null ? source.hostId : hostId)
                    .orElseThrow(() -> new InvalidRequestException("hostId", "host " + hostId + " does not exist"));
            instantGuests(host, field);
            Host sourceHost = Host.byId(source.hostId).orElseThrow();
            if (!sourceHost.type.equals(host.type)) {
                throw new InvalidRequestException(field, "restore point " + pointId + " is of a " + sourceHost.type
                        + " guest; host '" + host.name + "' (" + host.type + ") runs only its own kind's points");
            }
            InstantRecovery.<InstantRecovery>find("hostId = ?1 and name = ?2 and state in ?3", host.id, name,
                    InstantRecovery.USING).firstResultOptional().ifPresent(other -> {
                        throw new InvalidRequestException("name", "instant recovery " + other.id + " runs a VM named '"
                                + name + "' on host '" + host.name + "' already");
                    });
            BackupRepository repository = BackupRepository.byId(point.repositoryId).orElseThrow();
            Path files = new RepositoryLayout(repository.root()).resolve(point.relativePath).resolve(RepositoryLayout.FILES);
            InstantRecovery recovery = new InstantRecovery();
            recovery.id = UUID.randomUUID();
            recovery.restorePointId = point.id;
            recovery.hostId = host.id;
            recovery.name = name;
            recovery.state = State.STARTING;
            recovery.node = node;
            recovery.requestedBy = requestedBy;
            recovery.createdAt = Instant.now();
            recovery.persist();
            return new Plan(recovery, host, files);
        });
        UUID id = plan.recovery().id;
        InstantGuests guests = instantGuests(plan.host(), "hostId");
        GuestInfo guest;
        try {
            guest = guests.startFromPoint(plan.pointFiles(), name, id);
        } catch (InvalidGuestSpecException invalid) {
            // Refused before anything was made: a bad request changes nothing, not even the history.
            QuarkusTransaction.requiringNew().run(() -> InstantRecovery.deleteById(id));
            String field = invalid.field().equals("restorePoint") ? "restorePointId" : invalid.field();
            throw new InvalidRequestException(field, invalid.problem());
        } catch (RuntimeException e) {
            fail(id, "the VM did not start: " + e.getMessage());
            throw e;
        }
        Vm vm = inventory.catalog(plan.host(), guest);
        return QuarkusTransaction.requiringNew().call(() -> {
            locks.acquire(Vm.byId(vm.id).orElseThrow(), HOLDER, id, node);
            InstantRecovery r = InstantRecovery.byId(id).orElseThrow();
            r.vmId = vm.id;
            r.state = State.RUNNING;
            r.startedAt = Instant.now();
            return r;
        });
    }

    /**
     * Starts moving the VM's disks into {@code path} (or its own folder on the host) while it runs; returns at
     * once, with the recovery FINALIZING.
     */
    public InstantRecovery finalizeRecovery(UUID id, String path, Long bandwidthLimit) {
        if (bandwidthLimit != null && bandwidthLimit <= 0) {
            throw new InvalidRequestException("bandwidthLimit", "must be a positive number of bytes per second");
        }
        long limit = bandwidthLimit == null ? 0 : bandwidthLimit;
        Path requested = path == null || path.isBlank() ? null : checkedPath(path);
        InstantRecovery started = QuarkusTransaction.requiringNew().call(() -> {
            InstantRecovery r = InstantRecovery.byId(id).orElseThrow(() -> new NotFoundException("instant recovery", id));
            if (r.state != State.RUNNING) {
                throw new ConflictException("instant recovery " + id + " is " + r.state + "; only a RUNNING one can be"
                        + " finalized");
            }
            Vm vm = Vm.byId(r.vmId).orElseThrow();
            Host host = Host.byId(r.hostId).orElseThrow();
            Path target = requested != null ? requested : instantGuests(host, "hostId").defaultMoveTarget(vm.ref);
            r.state = State.FINALIZING;
            r.error = null;
            r.finalizePath = target.toString();
            r.finalizeStartedAt = Instant.now();
            r.bytesMoved = 0L;
            return r;
        });
        executor.execute(() -> move(started.id, limit));
        return started;
    }

    private void move(UUID id, long bytesPerSecond) {
        long began = System.nanoTime();
        try {
            InstantRecovery r = QuarkusTransaction.requiringNew().call(() -> InstantRecovery.byId(id).orElseThrow());
            Host host = QuarkusTransaction.requiringNew().call(() -> Host.byId(r.hostId).orElseThrow());
            Vm vm = QuarkusTransaction.requiringNew().call(() -> Vm.byId(r.vmId).orElseThrow());
            InstantGuests guests = instantGuests(host, "hostId");
            long[] last = new long[2];
            guests.moveDisks(vm.ref, id, Path.of(r.finalizePath), bytesPerSecond, p -> {
                double seconds = Math.max(1e-3, (System.nanoTime() - began) / 1e9);
                double rate = p.bytesDone() / seconds;
                Duration eta = rate > 0 ? Duration.ofMillis((long) ((p.bytesTotal() - p.bytesDone()) / rate * 1000)) : null;
                progress.update(id, new CopyProgress(p.bytesDone(), p.bytesTotal(), 0, 0, vm.name, rate, eta));
                last[0] = p.bytesDone();
                last[1] = p.bytesTotal();
            });
            QuarkusTransaction.requiringNew().run(() -> {
                InstantRecovery done = InstantRecovery.byId(id).orElseThrow();
                done.state = State.FINALIZED;
                done.finishedAt = Instant.now();
                done.bytesMoved = last[1];
                done.bytesTotal = last[1];
                locks.release(done.vmId, id);
            });
            LOG.infof("instant recovery %s finalized: VM '%s' runs from %s", id, vm.name, r.finalizePath);
        } catch (RuntimeException e) {
            LOG.errorf("instant recovery %s: finalize failed: %s", id, e.getMessage());
            QuarkusTransaction.requiringNew().run(() -> {
                InstantRecovery r = InstantRecovery.byId(id).orElseThrow();
                r.state = State.RUNNING;
                r.error = "finalize failed, the VM runs on from the restore point: " + e.getMessage();
            });
        } finally {
            progress.finish(id);
        }
    }

    /** Stops a VM that runs from a restore point and deletes its overlays. */
    public InstantRecovery discard(UUID id) {
        InstantRecovery r = QuarkusTransaction.requiringNew().call(() -> {
            InstantRecovery found = InstantRecovery.byId(id).orElseThrow(() -> new NotFoundException("instant recovery", id));
            if (found.state != State.RUNNING) {
                throw new ConflictException("instant recovery " + id + " is " + found.state + "; only a RUNNING one can"
                        + " be discarded" + (found.state == State.FINALIZED ? " (its VM is an ordinary VM of its host now)"
                                : ""));
            }
            return found;
        });
        Host host = QuarkusTransaction.requiringNew().call(() -> Host.byId(r.hostId).orElseThrow());
        Vm vm = QuarkusTransaction.requiringNew().call(() -> Vm.byId(r.vmId).orElseThrow());
        instantGuests(host, "hostId").discard(vm.ref, id);
        return QuarkusTransaction.requiringNew().call(() -> {
            InstantRecovery done = InstantRecovery.byId(id).orElseThrow();
            done.state = State.DISCARDED;
            done.finishedAt = Instant.now();
            locks.release(done.vmId, id);
            Vm.<Vm>findByIdOptional(done.vmId).ifPresent(v -> v.vanishedAt = Instant.now());
            return done;
        });
    }

    /**
     * After a stop: a start cut short is undone (its VM quit, its folder removed); a move cut short is finished
     * if the host had switched the VM over, and otherwise undone, so it can be asked for again. QEMU runs on its
     * own, so the VM kept running meanwhile either way.
     */
    void onStart(@Observes @Priority(20) StartupEvent start) {
        recover();
    }

    public void recover() {
        for (InstantRecovery r : QuarkusTransaction.requiringNew().call(() -> InstantRecovery.unsettledOn(node))) {
            try {
                Host host = QuarkusTransaction.requiringNew().call(() -> Host.byId(r.hostId).orElseThrow());
                InstantGuests guests = instantGuests(host, "hostId");
                if (r.state == State.STARTING) {
                    try {
                        guests.discard(r.name, r.id);
                    } catch (RuntimeException nothingMade) {
                        LOG.debugf("instant recovery %s: nothing to undo of its start: %s", r.id, nothingMade.getMessage());
                    }
                    fail(r.id, "interrupted: the server stopped while the VM started; what it had made was removed");
                    continue;
                }
                Vm vm = QuarkusTransaction.requiringNew().call(() -> Vm.byId(r.vmId).orElseThrow());
                InstantGuests.MoveOutcome outcome = guests.resumeMove(vm.ref, r.id, Path.of(r.finalizePath));
                QuarkusTransaction.requiringNew().run(() -> {
                    InstantRecovery row = InstantRecovery.byId(r.id).orElseThrow();
                    if (outcome == InstantGuests.MoveOutcome.FINISHED) {
                        row.state = State.FINALIZED;
                        row.finishedAt = Instant.now();
                        locks.release(row.vmId, row.id);
                    } else {
                        row.state = State.RUNNING;
                        row.error = "the server stopped while the disks were moved; the copy was undone and the VM"
                                + " runs on from the restore point: finalize it again";
                    }
                });
                LOG.infof("instant recovery %s: an interrupted finalize was %s", r.id, outcome);
            } catch (RuntimeException e) {
                LOG.errorf(e, "instant recovery %s could not be recovered; it stays %s", r.id, r.state);
            }
        }
    }

    private void fail(UUID id, String error) {
        QuarkusTransaction.requiringNew().run(() -> {
            InstantRecovery r = InstantRecovery.byId(id).orElseThrow();
            r.state = State.FAILED;
            r.error = error;
            r.finishedAt = Instant.now();
        });
    }

    private InstantGuests instantGuests(Host host, String field) {
        Hypervisor hypervisor = hosts.of(host);
        return hypervisor.unwrap(InstantGuests.class).orElseThrow(() -> new InvalidRequestException(field, "host '"
                + host.name + "' (" + host.type + ") cannot run a VM from a restore point; instant recovery needs a"
                + " QEMU or libvirt host"));
    }

    /** A folder for the moved disks: under a restore root, new or empty. */
    private Path checkedPath(String requested) {
        Path target;
        try {
            target = SafePaths.confine(requested, config.restore().roots());
        } catch (UnsafePathException e) {
            throw new InvalidRequestException("path", e.getMessage());
        }
        if (Files.exists(target)) {
            try (Stream<Path> entries = Files.list(target)) {
                if (entries.findAny().isPresent()) {
                    throw new InvalidRequestException("path", "is not empty: " + target);
                }
            } catch (IOException e) {
                throw new InvalidRequestException("path", "is not a folder that can be read: " + target);
            }
        }
        return target;
    }

    @PreDestroy
    void shutdown() {
        executor.shutdownNow();
    }
}
