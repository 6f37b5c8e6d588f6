package io.stillpoint.boottest;

import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.catalog.Vm;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A VM whose newest restore point has not passed a boot test: never tested, failed, cancelled, or still
 * running.
 *
 * @param bootTestStatus the newest point's newest test's status, null if it has none
 */
public record UnprovenVm(UUID vmId, String vmName, UUID restorePointId, Instant pointCreatedAt, String bootTestStatus) {

    /** Every such VM, by name; call inside a transaction. */
    public static List<UnprovenVm> list() {
        List<UnprovenVm> unproven = new ArrayList<>();
        for (Vm vm : Vm.<Vm>list("order by name")) {
            RestorePoint newest = RestorePoint.newestOf(vm.id).orElse(null);
            if (newest == null) {
                continue;
            }
            String status = BootTest.newestOf(newest.id).map(t -> t.status).orElse(null);
            if (!BootTest.PASSED.equals(status)) {
                unproven.add(new UnprovenVm(vm.id, vm.name, newest.id, newest.createdAt, status));
            }
        }
        return unproven;
    }
}
