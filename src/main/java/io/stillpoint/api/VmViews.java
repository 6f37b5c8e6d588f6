package io.stillpoint.api;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.api.dto.VmResponse;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.catalog.Vm;
import io.stillpoint.host.HostException;
import io.stillpoint.inventory.Inventory;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;

/** Builds VM answers from the catalog row and the host's live view. */
@ApplicationScoped
class VmViews {

    private final Inventory inventory;

    VmViews(Inventory inventory) {
        this.inventory = inventory;
    }

    VmResponse of(Vm vm) {
        Instant last = QuarkusTransaction.requiringNew().call(() -> RestorePoint.<RestorePoint>find(
                "vmId = ?1 order by createdAt desc", vm.id).firstResultOptional().map(p -> p.createdAt).orElse(null));
        if (vm.vanishedAt != null) {
            return VmResponse.vanished(vm, last);
        }
        try {
            return VmResponse.of(vm, inventory.live(vm), last);
        } catch (HostException e) {
            return VmResponse.unreachable(vm, e.getMessage(), last);
        }
    }
}
