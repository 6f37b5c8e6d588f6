package io.stillpoint.inventory;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.stillpoint.catalog.Host;
import io.stillpoint.catalog.Vm;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.HostException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.LockModeType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.jboss.logging.Logger;

/**
 * Keeps the catalog in step with what each host says it has: a guest the host lists and the catalog
 * does not is added; a cataloged guest the host no longer lists is marked vanished (never deleted, so
 * its runs and restore points stay), and unmarked if it comes back; a guest renamed on its host is
 * renamed in the catalog. A host that cannot be listed changes nothing and is reported on the host
 * ({@code lastRefreshError}): an unreachable host is not a host without guests.
 *
 * <p>Runs on a schedule on every node, and on demand. Refreshes of one host take the host's catalog
 * row for update, so nodes that refresh at once apply their answers one after the other.
 */
@ApplicationScoped
public class HostRefresh {

    private static final Logger LOG = Logger.getLogger(HostRefresh.class);

    /** One guest that changed, as the refresh saw it; {@code previousName} only for a rename. */
    public record Change(
            UUID vmId,
            String ref,
            String name,
            @Schema(nullable = true) String previousName) {}

    /** What a refresh of one host changed, or why it changed nothing ({@code error}). */
    public record Outcome(UUID hostId, String hostName, Instant refreshedAt, List<Change> added,
            List<Change> vanished, List<Change> returned, List<Change> renamed, String error) {}

    private final HostRegistry hosts;
    private final Duration interval;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "host-refresh");
        thread.setDaemon(true);
        return thread;
    });

    HostRefresh(HostRegistry hosts, InventoryConfig config) {
        this.hosts = hosts;
        this.interval = config.refreshInterval();
    }

    void onStart(@Observes StartupEvent start) {
        if (interval.isZero() || interval.isNegative()) {
            return;
        }
        timer.scheduleWithFixedDelay(this::refreshDueQuietly, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    void onStop(@Observes ShutdownEvent stop) {
        timer.shutdownNow();
    }

    private void refreshDueQuietly() {
        try {
            refreshDue();
        } catch (RuntimeException e) {
            LOG.warn("refreshing the hosts' guests failed this time; it tries again", e);
        }
    }

    /** Refreshes every host that no node refreshed within half the interval. */
    public List<Outcome> refreshDue() {
        Instant recent = Instant.now().minus(interval.dividedBy(2));
        List<UUID> due = QuarkusTransaction.requiringNew().call(() -> Host.<Host>listAll().stream()
                .filter(h -> h.lastRefreshAt == null || h.lastRefreshAt.isBefore(recent)).map(h -> h.id).toList());
        List<Outcome> outcomes = new ArrayList<>();
        for (UUID hostId : due) {
            try {
                Outcome outcome = refresh(hostId);
                if (outcome.error() != null) {
                    LOG.warnf("host '%s' could not be listed, so nothing was marked vanished: %s", outcome.hostName(),
                            outcome.error());
                }
                outcomes.add(outcome);
            } catch (RuntimeException e) {
                // One host's trouble (say, another node refreshing it at the same instant) must not stop the rest.
                LOG.warnf(e, "refreshing host %s failed; it is tried again at the next refresh", hostId);
            }
        }
        return outcomes;
    }

    /**
     * Lists the host's guests and brings its catalog rows in step.
     *
     * @throws NotFoundException if there is no such host
     */
    public Outcome refresh(UUID hostId) {
        Host host = QuarkusTransaction.requiringNew().call(
                () -> Host.byId(hostId).orElseThrow(() -> new NotFoundException("host", hostId)));
        List<GuestInfo> listed;
        try {
            listed = hosts.of(host).guests();
        } catch (HostException | IllegalStateException e) {
            String error = "listing the guests of host '" + host.name + "' failed: " + e.getMessage();
            Instant at = Instant.now();
            QuarkusTransaction.requiringNew().run(() -> Host.byId(hostId).ifPresent(h -> {
                h.lastRefreshAt = at;
                h.lastRefreshError = error;
            }));
            return new Outcome(hostId, host.name, at, List.of(), List.of(), List.of(), List.of(), error);
        }
        return QuarkusTransaction.requiringNew().call(() -> apply(hostId, listed));
    }

    private static Outcome apply(UUID hostId, List<GuestInfo> listed) {
        Host host = Host.<Host>findByIdOptional(hostId, LockModeType.PESSIMISTIC_WRITE)
                .orElseThrow(() -> new NotFoundException("host", hostId));
        Instant now = Instant.now();
        Map<String, Vm> cataloged = new HashMap<>();
        for (Vm vm : Vm.ofHost(hostId)) {
            cataloged.put(vm.ref, vm);
        }
        List<Change> added = new ArrayList<>();
        List<Change> returned = new ArrayList<>();
        List<Change> renamed = new ArrayList<>();
        for (GuestInfo guest : listed) {
            Vm vm = cataloged.remove(guest.ref());
            if (vm == null) {
                vm = Inventory.newVm(hostId, guest);
                vm.persist();
                added.add(new Change(vm.id, vm.ref, vm.name, null));
                continue;
            }
            if (vm.vanishedAt != null) {
                vm.vanishedAt = null;
                returned.add(new Change(vm.id, vm.ref, guest.name(), null));
            }
            if (!vm.name.equals(guest.name())) {
                renamed.add(new Change(vm.id, vm.ref, guest.name(), vm.name));
                vm.name = guest.name();
            }
            vm.canQuiesce = guest.canQuiesce();
            vm.memoryBytes = guest.memoryBytes();
        }
        List<Change> vanished = new ArrayList<>();
        for (Vm vm : cataloged.values()) {
            if (vm.vanishedAt == null) {
                vm.vanishedAt = now;
                vanished.add(new Change(vm.id, vm.ref, vm.name, null));
            }
        }
        host.lastRefreshAt = now;
        host.lastRefreshError = null;
        return new Outcome(hostId, host.name, now, added, vanished, returned, renamed, null);
    }
}
