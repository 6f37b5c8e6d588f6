package io.stillpoint.api.dto;

import io.stillpoint.catalog.Vm;
import io.stillpoint.host.GuestInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * @param state the live state from the host, or {@code UNKNOWN} with {@code stateError} when the host
 *     cannot be reached or no longer has the VM
 * @param present false once a refresh found the VM gone from its host; its restore points stay
 * @param vanishedAt when that refresh was; {@code null} while the VM is present
 * @param disks relative to {@code directory} where they lie inside it, absolute otherwise
 * @param backupBlockedReason why Stillpoint cannot back the VM up (a disk it cannot snapshot); {@code
 *     null} when it can
 * @param quiesceNote what the VM's quiescing depends on (for a libvirt domain: whether a guest agent
 *     channel is configured and an agent connected to it); {@code null} when there is nothing to add
 * @param maxPointAge the VM's own bound on the age of its newest restore point (ISO 8601, e.g. {@code PT26H}),
 *     past which it raises {@code vm-unprotected}; {@code null} when only its jobs' schedules count
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
        Instant lastRestorePointAt,
        boolean present,
        Instant vanishedAt,
        String backupBlockedReason,
        String quiesceNote,
        String maxPointAge) {

    public static VmResponse of(Vm vm, GuestInfo live, Instant lastRestorePointAt) {
        return new VmResponse(vm.id, vm.name, vm.hostId, vm.ref, live.state().name(), null, live.canQuiesce(),
                live.memoryBytes(), live.guestOs(), live.directory().toString(),
                live.disks().stream().map(d -> shown(live.directory(), d)).toList(), lastRestorePointAt, true, null,
                live.backupBlockedReason(), live.quiesceNote(), maxPointAge(vm));
    }

    public static VmResponse unreachable(Vm vm, String error, Instant lastRestorePointAt) {
        return new VmResponse(vm.id, vm.name, vm.hostId, vm.ref, "UNKNOWN", error, vm.canQuiesce, vm.memoryBytes,
                vm.guestOs, null, List.of(), lastRestorePointAt, vm.vanishedAt == null, vm.vanishedAt, null, null,
                maxPointAge(vm));
    }

    private static String maxPointAge(Vm vm) {
        return vm.maxPointAgeSeconds == null ? null : Duration.ofSeconds(vm.maxPointAgeSeconds).toString();
    }

    /** A path of "../.." steps says less than the disk's own absolute path. */
    private static String shown(Path directory, Path disk) {
        return disk.startsWith(directory) ? directory.relativize(disk).toString() : disk.toString();
    }

    /** A VM a refresh found gone from its host: what the catalog remembers, without asking the host. */
    public static VmResponse vanished(Vm vm, Instant lastRestorePointAt) {
        return unreachable(vm, "no longer on its host since " + vm.vanishedAt, lastRestorePointAt);
    }
}
