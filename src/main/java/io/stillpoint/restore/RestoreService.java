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
import io.stillpoint.inventory.BusyException;
import io.stillpoint.inventory.HostRegistry;
import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.inventory.VmLocks;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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

    public Restore request(RestoreRequest request, String requestedBy) {
        Restore restore = QuarkusTransaction.requiringNew().call(() -> {
            RestorePoint point = RestorePoint.byId(request.restorePointId())
                    .orElseThrow(() -> new NotFoundException("restore point", request.restorePointId()));
            Vm vm = Vm.byId(point.vmId).orElseThrow();
            Restore created = new Restore();
            created.id = UUID.randomUUID();
            created.restorePointId = point.id;
            created.vmId = vm.id;
            created.target = request.target().id();
            created.startAfter = request.startAfter();
            created.stopVm = request.stopVm();
            created.status = RunStatus.QUEUED;
            created.node = node;
            created.requestedBy = requestedBy;
            created.createdAt = Instant.now();
            if (request.target() == RestoreTarget.PATH) {
                if (request.startAfter()) {
                    throw new InvalidRequestException("startAfter", "only a restore to 'original' can start the VM");
                }
                created.targetPath = checkedPath(request.path()).toString();
            } else {
                Host host = Host.byId(vm.hostId).orElseThrow();
                var guest = hosts.of(host).guest(vm.ref);
                if (guest.state() != GuestState.OFF && !request.stopVm()) {
                    throw new BusyException("VM '" + vm.name + "' is " + guest.state()
                            + "; an in-place restore needs it OFF (send \"stopVm\": true to shut it down first)");
                }
                created.targetPath = guest.directory().toString();
            }
            created.persist();
            if (request.target() == RestoreTarget.ORIGINAL) {
                locks.acquire(vm, "restore", created.id, node);
            }
            return created;
        });
        executor.execute(() -> pipeline.execute(restore.id));
        return restore;
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
