package io.stillpoint.inventory;

import io.stillpoint.catalog.Host;
import io.stillpoint.catalog.Vm;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestNotFoundException;
import io.stillpoint.host.HostException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The guests' live state as their hosts last told it. A listing of every VM takes what was observed within
 * {@code stillpoint.inventory.live-state-ttl} instead of asking each host for each VM on every call, and
 * does not ask again, within that time, a host that just failed to answer: one slow or unreachable host
 * then costs one listing its wait, not every listing.
 */
@ApplicationScoped
public class LiveStates {

    /**
     * @param guest what the host said, or null when it could not say (then {@code error} says why)
     * @param observedAt when the host last answered for this guest; null if it never did
     * @param stale whether the answer could not be renewed now and is older than the time-to-live
     */
    public record Seen(GuestInfo guest, String error, Instant observedAt, boolean stale) {}

    private record Observation(GuestInfo guest, String error, Instant at, Instant lastAnswer) {}

    private record Failure(String error, Instant at) {}

    private final HostRegistry hosts;
    private final Duration ttl;
    private final Clock clock;
    private final Map<UUID, Observation> byVm = new ConcurrentHashMap<>();
    private final Map<UUID, Failure> failedHosts = new ConcurrentHashMap<>();

    @Inject
    LiveStates(HostRegistry hosts, InventoryConfig config) {
        this(hosts, config.liveStateTtl(), Clock.systemUTC());
    }

    LiveStates(HostRegistry hosts, Duration ttl, Clock clock) {
        this.hosts = hosts;
        this.ttl = ttl;
        this.clock = clock;
    }

    /** Asks the host now, for a single VM's answer. */
    public Seen now(Vm vm, Host host) {
        Instant at = clock.instant();
        Observation before = byVm.get(vm.id);
        Instant lastAnswer = before == null ? null : before.lastAnswer();
        try {
            GuestInfo guest = hosts.of(host).guest(vm.ref);
            failedHosts.remove(host.id);
            byVm.put(vm.id, new Observation(guest, null, at, at));
            return new Seen(guest, null, at, false);
        } catch (GuestNotFoundException e) {
            byVm.put(vm.id, new Observation(null, e.getMessage(), at, lastAnswer));
            return new Seen(null, e.getMessage(), lastAnswer, false);
        } catch (HostException e) {
            failedHosts.put(host.id, new Failure(e.getMessage(), at));
            byVm.put(vm.id, new Observation(null, e.getMessage(), at, lastAnswer));
            return new Seen(null, e.getMessage(), lastAnswer, lastAnswer == null || isOld(lastAnswer));
        }
    }

    /** What was observed within the time-to-live, else the host's answer now, unless the host just failed. */
    public Seen recent(Vm vm, Host host) {
        Observation seen = byVm.get(vm.id);
        if (seen != null && !isOld(seen.at())) {
            return new Seen(seen.guest(), seen.error(), seen.guest() != null ? seen.at() : seen.lastAnswer(), false);
        }
        Failure failed = failedHosts.get(host.id);
        if (failed != null && !isOld(failed.at())) {
            Instant lastAnswer = seen == null ? null : seen.lastAnswer();
            return new Seen(null, "host '" + host.name + "' did not answer at " + failed.at() + ": " + failed.error(),
                    lastAnswer, true);
        }
        return now(vm, host);
    }

    private boolean isOld(Instant at) {
        return !at.plus(ttl).isAfter(clock.instant());
    }
}
