package io.stillpoint.schedule;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.stillpoint.alert.Alert;
import io.stillpoint.alert.AlertType;
import io.stillpoint.alert.Alerts;
import io.stillpoint.alert.NotificationsConfig;
import io.stillpoint.catalog.BackupJob;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.catalog.Vm;
import io.stillpoint.config.Periodic;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Says when a VM stopped being protected, every {@code stillpoint.notifications.check-interval}: a VM is
 * unprotected when, for one of its enabled jobs, its newest restore point in the job's repository is older than
 * the job's interval (the longest gap between the schedule's next fires) plus {@code unprotected-grace}, or when
 * its newest point anywhere is older than its own {@code maxPointAge}. A VM without a point counts from when the
 * job (or the VM) was made. It raises {@code vm-unprotected} once, until the VM is protected again.
 */
@ApplicationScoped
public class ProtectionWatch {

    private static final Logger LOG = Logger.getLogger(ProtectionWatch.class);
    /** The prefix of a VM's {@code vm-unprotected} condition key; the VM's id follows. */
    public static final String UNPROTECTED = "vm-unprotected:";
    /** How many of a schedule's next fires its interval is read from. */
    private static final int FIRES = 12;

    private final Alerts alerts;
    private final Duration interval;
    private final Duration grace;
    private Periodic periodic;

    ProtectionWatch(Alerts alerts, NotificationsConfig config) {
        this.alerts = alerts;
        this.interval = config.checkInterval();
        this.grace = config.unprotectedGrace();
    }

    void onStart(@Observes @Priority(60) StartupEvent start) {
        periodic = Periodic.every("protection-watch", interval, this::watch);
    }

    void onStop(@Observes ShutdownEvent stop) {
        if (periodic != null) {
            periodic.close();
        }
    }

    /** Why a VM is unprotected, and which job's promise it misses (null for its own bound). */
    record Finding(Vm vm, BackupJob job, String why) {}

    void watch() {
        try {
            Instant now = Instant.now();
            List<Finding> findings = new ArrayList<>();
            List<Vm> protectedVms = new ArrayList<>();
            QuarkusTransaction.requiringNew().run(() -> {
                for (Map.Entry<Vm, List<BackupJob>> entry : watched().entrySet()) {
                    find(entry.getKey(), entry.getValue(), now).ifPresentOrElse(findings::add,
                            () -> protectedVms.add(entry.getKey()));
                }
            });
            Set<String> raised = alerts.raised(UNPROTECTED);
            for (Vm vm : protectedVms) {
                if (raised.contains(UNPROTECTED + vm.id)) {
                    alerts.clear(UNPROTECTED + vm.id);
                }
            }
            for (Finding finding : findings) {
                if (!raised.contains(UNPROTECTED + finding.vm().id)) {
                    alerts.raiseWhile(UNPROTECTED + finding.vm().id, alert(finding));
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf(e, "watching the VMs' protection failed this time; the next look tries again");
        }
    }

    /** The VMs present on their hosts that have a bound of their own or an enabled job, with those jobs. */
    private static Map<Vm, List<BackupJob>> watched() {
        Map<UUID, Vm> vms = new LinkedHashMap<>();
        Map<Vm, List<BackupJob>> jobsOf = new LinkedHashMap<>();
        for (Vm vm : Vm.<Vm>list("vanishedAt is null order by name")) {
            vms.put(vm.id, vm);
            if (vm.maxPointAgeSeconds != null) {
                jobsOf.put(vm, new ArrayList<>());
            }
        }
        for (BackupJob job : BackupJob.<BackupJob>list("enabled = true and legacyVmNameRegex is null")) {
            for (Vm covered : JobRunner.vmsOf(job)) {
                Vm vm = vms.get(covered.id);
                if (vm != null) {
                    jobsOf.computeIfAbsent(vm, v -> new ArrayList<>()).add(job);
                }
            }
        }
        return jobsOf;
    }

    private Optional<Finding> find(Vm vm, List<BackupJob> jobs, Instant now) {
        if (vm.maxPointAgeSeconds != null) {
            Duration bound = Duration.ofSeconds(vm.maxPointAgeSeconds);
            Optional<Instant> newest = RestorePoint.<RestorePoint>find("vmId = ?1 order by createdAt desc", vm.id)
                    .firstResultOptional().map(p -> p.createdAt);
            if (overdue(now, newest.orElse(vm.createdAt), bound)) {
                return Optional.of(new Finding(vm, null, "its own bound is " + bound + "; " + newest(newest)));
            }
        }
        for (BackupJob job : jobs) {
            Optional<Duration> every = longestGap(job);
            if (every.isEmpty()) {
                continue;
            }
            Duration allowed = every.get().plus(grace);
            Optional<Instant> newest = RestorePoint.<RestorePoint>find("vmId = ?1 and repositoryId = ?2 order by createdAt desc",
                    vm.id, job.repositoryId).firstResultOptional().map(p -> p.createdAt);
            Instant since = newest.orElse(later(job.createdAt, vm.createdAt));
            if (overdue(now, since, allowed)) {
                return Optional.of(new Finding(vm, job, "job '" + job.name + "' runs at least every " + every.get()
                        + ", which allows " + allowed + " with the grace; " + newest(newest)));
            }
        }
        return Optional.empty();
    }

    static boolean overdue(Instant now, Instant since, Duration allowed) {
        return since != null && Duration.between(since, now).compareTo(allowed) > 0;
    }

    /** The longest gap between the schedule's next fires; empty for a schedule that fires less than twice more. */
    static Optional<Duration> longestGap(BackupJob job) {
        List<Instant> fires = JobScheduler.nextFireTimes(job.schedule, job.timeZone, FIRES);
        Duration longest = null;
        for (int i = 1; i < fires.size(); i++) {
            Duration gap = Duration.between(fires.get(i - 1), fires.get(i));
            if (longest == null || gap.compareTo(longest) > 0) {
                longest = gap;
            }
        }
        return Optional.ofNullable(longest);
    }

    private static Alert alert(Finding finding) {
        Vm vm = finding.vm();
        Alert alert = Alert.of(AlertType.VM_UNPROTECTED, "VM '" + vm.name + "' is unprotected: " + finding.why()).vm(vm.id);
        return finding.job() == null
                ? alert.scope("VM '" + vm.name + "'")
                : alert.job(finding.job().id).repository(finding.job().repositoryId).scope("job '" + finding.job().name + "'");
    }

    private static String newest(Optional<Instant> newest) {
        return newest.map(at -> "its newest restore point is from " + at).orElse("it has no restore point yet");
    }

    private static Instant later(Instant a, Instant b) {
        return a == null ? b : b == null || a.isAfter(b) ? a : b;
    }
}
