package io.stillpoint.restore;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.catalog.Host;
import io.stillpoint.catalog.Restore;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.catalog.RunStatus;
import io.stillpoint.catalog.Vm;
import io.stillpoint.config.NodeName;
import io.stillpoint.config.StillpointConfig;
import io.stillpoint.fs.SafePaths;
import io.stillpoint.fs.UnsafePathException;
import io.stillpoint.host.GuestState;
import io.stillpoint.host.HostException;
import io.stillpoint.host.InvalidGuestSpecException;
import io.stillpoint.inventory.BusyException;
import io.stillpoint.inventory.ConflictException;
import io.stillpoint.inventory.HostRegistry;
import io.stillpoint.inventory.IdempotencyMismatchException;
import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.inventory.VmLocks;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.PersistenceException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/** Accepts restore requests: checks them fully before anything is written, catalogs and queues them. */
@ApplicationScoped
public class RestoreService {

    /** How long an Idempotency-Key finds the restore it first started. */
    static final Duration IDEMPOTENCY_WINDOW = Duration.ofHours(24);

    private final HostRegistry hosts;
    private final VmLocks locks;
    private final RestorePipeline pipeline;
    private final StillpointConfig config;
    private final String node;
    private final ExecutorService executor;

    RestoreService(HostRegistry hosts, VmLocks locks, RestorePipeline pipeline, StillpointConfig config, NodeName node) {
        this.hosts = hosts;
        this.locks = locks;
        this.pipeline = pipeline;
        this.config = config;
        this.node = node.value();
        int parallel = config.restore().parallelRestores();
        AtomicInteger count = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(parallel, parallel, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> new Thread(r, "restore-" + count.incrementAndGet()));
    }

    /** The outcome of a request: the restore, and whether it was started now or found by its key. */
    public record Accepted(Restore restore, boolean replayed) {}

    public Accepted request(RestoreRequest request) {
        if (request.idempotencyKey() != null) {
            Optional<Restore> earlier = earlierWithKey(request);
            if (earlier.isPresent()) {
                return new Accepted(earlier.get(), true);
            }
        }
        Restore restore;
        try {
            restore = QuarkusTransaction.requiringNew().call(() -> create(request));
        } catch (PersistenceException raced) {
            // Another request with the same key was accepted between our look-up and our insert.
            return earlierWithKey(request).map(r -> new Accepted(r, true)).orElseThrow(() -> raced);
        }
        executor.execute(() -> pipeline.execute(restore.id));
        return new Accepted(restore, false);
    }


    private Optional<Restore> earlierWithKey(RestoreRequest request) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Optional<Restore> found = Restore.byIdempotencyKey(request.idempotencyKey());
            if (found.isEmpty()) {
                return Optional.empty();
            }
            Restore earlier = found.get();
            if (earlier.createdAt.isBefore(Instant.now().minus(IDEMPOTENCY_WINDOW))) {
                earlier.idempotencyKey = null;
                earlier.flush();
                return Optional.empty();
            }
            if (!request.digest().equals(earlier.requestDigest)) {
                throw new IdempotencyMismatchException(request.idempotencyKey());
            }
            return Optional.of(earlier);
        });
    }

    private Restore create(RestoreRequest request) {
        RestorePoint point = RestorePoint.byId(request.restorePointId())
                .orElseThrow(() -> new NotFoundException("restore point", request.restorePointId()));
        if ("FAILED".equals(point.verifyStatus) && !request.force()) {
            throw new ConflictException("restore point " + point.id + " failed its last verification ("
                    + point.verifyProblems + "); send \"force\": true to restore it anyway");
        }
        Vm vm = Vm.byId(point.vmId).orElseThrow();
        Restore created = new Restore();
        created.id = UUID.randomUUID();
        created.restorePointId = point.id;
        created.vmId = vm.id;
        created.target = request.target().id();
        created.startAfter = request.startAfter();
        created.stopVm = request.stopVm();
        created.keepPrevious = request.keepPrevious();
        created.forced = request.force();
        created.status = RunStatus.QUEUED;
        created.node = node;
        created.requestedBy = request.requestedBy();
        created.createdAt = Instant.now();
        created.idempotencyKey = request.idempotencyKey();
        created.requestDigest = request.digest();
        switch (request.target()) {
            case PATH -> {
                if (request.startAfter()) {
                    throw new InvalidRequestException("startAfter", "only a restore to 'original' or 'new-vm' can start a VM");
                }
                created.targetPath = checkedPath(request.path()).toString();
            }
            case NEW_VM -> {
                if (request.name() == null || request.name().isBlank()) {
                    throw new InvalidRequestException("name", "is required for target 'new-vm'");
                }
                UUID hostId = request.hostId() != null ? request.hostId() : vm.hostId;
                Host host = Host.byId(hostId)
                        .orElseThrow(() -> new InvalidRequestException("hostId", "host " + hostId + " does not exist"));
                try {
                    created.targetPath = hosts.of(host).newGuestDirectory(request.name()).toString();
                } catch (InvalidGuestSpecException e) {
                    throw new InvalidRequestException(e.field(), e.problem());
                } catch (HostException e) {
                    throw new InvalidRequestException("hostId", e.getMessage());
                }
                created.hostId = host.id;
                created.newVmName = request.name();
            }
            case ORIGINAL -> {
                Host host = Host.byId(vm.hostId).orElseThrow();
                var guest = hosts.of(host).guest(vm.ref);
                if (guest.state() != GuestState.OFF && !request.stopVm()) {
                    throw new BusyException("VM '" + vm.name + "' is " + guest.state()
                            + "; an in-place restore needs it OFF (send \"stopVm\": true to shut it down first)");
                }
                created.targetPath = guest.directory().toString();
            }
        }
        created.persistAndFlush();
        if (request.target() == RestoreTarget.ORIGINAL) {
            locks.acquire(vm, "restore", created.id, node);
        }
        return created;
    }

    private Path checkedPath(String requested) {
        Path target;
        try {
            target = SafePaths.confine(requested, config.restore().roots());
        } catch (UnsafePathException e) {
            throw new InvalidRequestException("path", e.getMessage());
        }
        if (Files.exists(target)) {
            if (!Files.isDirectory(target) || !isEmpty(target)) {
                throw new InvalidRequestException("path", "already exists and is not an empty directory: " + target);
            }
        }
        return target;
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new InvalidRequestException("path", "cannot be read: " + e.getMessage());
        }
    }

    @PreDestroy
    void shutdown() {
        executor.shutdownNow();
    }
}
