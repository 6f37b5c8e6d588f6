package io.stillpoint.api;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.alert.Alerts;
import io.stillpoint.api.dto.VmResponse;
import io.stillpoint.catalog.Host;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.catalog.Vm;
import io.stillpoint.inventory.LiveStates;
import io.stillpoint.schedule.ProtectionWatch;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Builds VM answers from the catalog rows and the hosts' live view. */
@ApplicationScoped
class VmViews {

    private final LiveStates live;
    private final Alerts alerts;

    VmViews(LiveStates live, Alerts alerts) {
        this.live = live;
        this.alerts = alerts;
    }

    /** One VM, its state asked of its host now. */
    VmResponse of(Vm vm) {
        Catalog catalog = QuarkusTransaction.requiringNew().call(() -> catalog(List.of(vm)));
        return view(vm, catalog, live::now);
    }

    /**
     * Every VM by name: the catalog's part in three queries whatever their number, the live state as observed
     * within the time-to-live ({@link LiveStates#recent}).
     */
    List<VmResponse> all() {
        record Listed(List<Vm> vms, Catalog catalog) {}
        Listed listed = QuarkusTransaction.requiringNew().call(() -> {
            List<Vm> vms = Vm.list("order by name");
            return new Listed(vms, catalog(vms));
        });
        return listed.vms().stream().map(vm -> view(vm, listed.catalog(), live::recent)).toList();
    }

    private VmResponse view(Vm vm, Catalog catalog, java.util.function.BiFunction<Vm, Host, LiveStates.Seen> state) {
        VmResponse.Known known = new VmResponse.Known(catalog.lastPoints().get(vm.id),
                catalog.unprotected().contains(ProtectionWatch.UNPROTECTED + vm.id));
        if (vm.vanishedAt != null) {
            return VmResponse.vanished(vm, known);
        }
        return VmResponse.of(vm, state.apply(vm, catalog.hosts().get(vm.hostId)), known);
    }

    private record Catalog(Map<UUID, Host> hosts, Map<UUID, Instant> lastPoints, Set<String> unprotected) {}

    private Catalog catalog(List<Vm> vms) {
        Set<UUID> hostIds = vms.stream().map(v -> v.hostId).collect(Collectors.toSet());
        Map<UUID, Host> hosts = Host.<Host>list("id in ?1", hostIds).stream()
                .collect(Collectors.toMap(h -> h.id, Function.identity()));
        return new Catalog(hosts, RestorePoint.newestOf(vms.stream().map(v -> v.id).toList()),
                alerts.raised(ProtectionWatch.UNPROTECTED));
    }
}
