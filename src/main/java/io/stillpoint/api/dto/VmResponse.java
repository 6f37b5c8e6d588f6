package io.stillpoint.api.dto;

import io.stillpoint.catalog.Vm;
import io.stillpoint.host.GuestInfo;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * @param state the live state from the host, or {@code UNKNOWN} with {@code stateError} when the host
 *     cannot be reached
 */
public record VmResponse(
        UUID id,
        String name,
        UUID hostId,
        String ref,
        String state,
        String stateError,
        boolean canQuiesce,
        long memoryBytes,
        String guestOs,
        String directory,
        List<String> disks,
        Instant lastRestorePointAt) {

    public static VmResponse of(Vm vm, GuestInfo live, Instant lastRestorePointAt) {
        return new VmResponse(vm.id, vm.name, vm.hostId, vm.ref, live.state().name(), null, live.canQuiesce(),
                live.memoryBytes(), live.guestOs(), live.directory().toString(),
                live.disks().stream().map(d -> live.directory().relativize(d).toString()).toList(), lastRestorePointAt);
    }

    public static VmResponse unreachable(Vm vm, String error, Instant lastRestorePointAt) {
        return new VmResponse(vm.id, vm.name, vm.hostId, vm.ref, "UNKNOWN", error, vm.canQuiesce, vm.memoryBytes,
                vm.guestOs, null, List.of(), lastRestorePointAt);
    }
}
