package io.stillpoint.backup;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.stillpoint.catalog.BackupRun;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.catalog.Vm;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What an admin's alerting watches: runs by outcome and mode, guest downtime, bytes, run duration, and
 * per VM the age of its newest restore point, so a stale VM shows without reading logs.
 */
@ApplicationScoped
public class BackupMetrics {

    private final MeterRegistry registry;
    private final Timer downtime;
    private final Counter bytes;
    private final Counter bytesWritten;
    private final Timer duration;
    private final DistributionSummary size;
    private final Map<UUID, Instant> newest = new ConcurrentHashMap<>();

    BackupMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.downtime = Timer.builder("stillpoint.guest.downtime")
                .description("How long guests were held still by backup runs")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(5))
                .register(registry);
        this.bytes = Counter.builder("stillpoint.backup.bytes").baseUnit("bytes")
                .description("Bytes copied into restore points").register(registry);
        this.bytesWritten = Counter.builder("stillpoint.backup.bytes.written").baseUnit("bytes")
                .description("New data physically written to repositories; the rest of each point is shared with"
                        + " earlier points by block clone or hard link").register(registry);
        this.duration = Timer.builder("stillpoint.run.duration").description("Duration of successful backup runs")
                .register(registry);
        this.size = DistributionSummary.builder("stillpoint.restore.point.size").baseUnit("bytes")
                .description("Size of new restore points").register(registry);
    }

    void downtime(long nanos) {
        downtime.record(Duration.ofNanos(nanos));
    }

    void succeeded(BackupRun run, Duration took) {
        outcome("succeeded", run.mode);
        bytes.increment(run.bytesCopied);
        if (run.bytesWritten != null) {
            bytesWritten.increment(run.bytesWritten);
        }
        size.record(run.bytesCopied);
        duration.record(took);
    }

    void ended(BackupRun run) {
        outcome(run.status.name().toLowerCase(), run.mode == null ? run.requestedMode : run.mode);
    }

    private void outcome(String outcome, String mode) {
        Counter.builder("stillpoint.runs").description("Backup runs by outcome and mode")
                .tag("outcome", outcome).tag("mode", mode).register(registry).increment();
    }

    /** Tracks the newest restore point of a VM; the first call registers the VM's age gauge. */
    public void restorePointCreated(Vm vm, Instant at) {
        Instant previous = newest.put(vm.id, at);
        if (previous != null && previous.isAfter(at)) {
            newest.put(vm.id, previous);
        }
        if (previous == null) {
            UUID id = vm.id;
            Gauge.builder("stillpoint.restore.point.age", newest,
                            m -> m.containsKey(id) ? Duration.between(m.get(id), Instant.now()).toSeconds() : Double.NaN)
                    .description("Seconds since the newest restore point of a VM was taken")
                    .baseUnit("seconds")
                    .tag("vm", vm.name)
                    .tag("vm_id", vm.id.toString())
                    .register(registry);
        }
    }

    /** Fills the age gauges from the catalog at start-up. */
    public void load(Iterable<Vm> vms) {
        java.util.List<Vm> all = new java.util.ArrayList<>();
        vms.forEach(all::add);
        java.util.Map<java.util.UUID, java.time.Instant> newest = RestorePoint.newestOf(all.stream().map(v -> v.id).toList());
        all.stream().filter(vm -> newest.containsKey(vm.id)).forEach(vm -> restorePointCreated(vm, newest.get(vm.id)));
    }
}
