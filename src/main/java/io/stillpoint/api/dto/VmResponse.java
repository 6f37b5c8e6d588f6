package io.stillpoint.api.dto;

import io.stillpoint.catalog.Vm;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.inventory.LiveStates;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

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
 * @param unprotected whether the VM is unprotected now: its {@code vm-unprotected} alert is raised
 * @param stateObservedAt when the host last told the VM's state; a listing of every VM shows what was told
 *     within {@code stillpoint.inventory.live-state-ttl}; null if the host never answered
 * @param stateStale true when the host could not be asked now and {@code state} is not current
 */
public record VmResponse(
        UUID id,
        String name,
        UUID hostId,
        String ref,
        String state,
        @Schema(nullable = true) String stateError,
        boolean canQuiesce,
        long memoryBytes,
        @Schema(nullable = true) String guestOs,
        @Schema(nullable = true) String directory,
        List<String> disks,
        @Schema(nullable = true) Instant lastRestorePointAt,
        boolean present,
        @Schema(nullable = true) Instant vanishedAt,
        @Schema(nullable = true) String backupBlockedReason,
        @Schema(nullable = true) String quiesceNote,
        @Schema(nullable = true) String maxPointAge,
        boolean unprotected,
        @Schema(nullable = true) Instant stateObservedAt,
        boolean stateStale) {

    /** What the catalog knows of a VM besides its host's live view. */
    public record Known(Instant lastRestorePointAt, boolean unprotected) {}

    public static VmResponse of(Vm vm, LiveStates.Seen seen, Known known) {
        GuestInfo live = seen.guest();
        if (live == null) {
            return unreachable(vm, seen.error(), known, seen.observedAt(), seen.stale());
        }
        return new VmResponse(vm.id, vm.name, vm.hostId, vm.ref, live.state().name(), null, live.canQuiesce(),
                live.memoryBytes(), live.guestOs(), live.directory().toString(),
                live.disks().stream().map(d -> shown(live.directory(), d)).toList(), known.lastRestorePointAt(), true, null,
                live.backupBlockedReason(), live.quiesceNote(), maxPointAge(vm), known.unprotected(), seen.observedAt(),
                seen.stale());
    }

    private static VmResponse unreachable(Vm vm, String error, Known known, Instant observedAt, boolean stale) {
        return new VmResponse(vm.id, vm.name, vm.hostId, vm.ref, "UNKNOWN", error, vm.canQuiesce, vm.memoryBytes,
                vm.guestOs, null, List.of(), known.lastRestorePointAt(), vm.vanishedAt == null, vm.vanishedAt, null, null,
                maxPointAge(vm), known.unprotected(), observedAt, stale);
    }

    private static String maxPointAge(Vm vm) {
        return vm.maxPointAgeSeconds == null ? null : Duration.ofSeconds(vm.maxPointAgeSeconds).toString();
    }

    /** A path of "../.." steps says less than the disk's own absolute path. */
    private static String shown(Path directory, Path disk) {
        return disk.startsWith(directory) ? directory.relativize(disk).toString() : disk.toString();
    }

    /** A VM a refresh found gone from its host: what the catalog remembers, without asking the host. */
    public static VmResponse vanished(Vm vm, Known known) {
        return unreachable(vm, "no longer on its host since " + vm.vanishedAt, known, null, false);
    }
}
