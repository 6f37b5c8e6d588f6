package io.stillpoint.boottest;

import io.stillpoint.catalog.RestorePoint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A VM whose newest restore point has not passed a boot test: never tested, failed, cancelled, or still
 * running.
 *
 * @param bootTestStatus the newest point's newest test's status, null if it has none
 */
public record UnprovenVm(
        UUID vmId,
        String vmName,
        UUID restorePointId,
        Instant pointCreatedAt,
        @Schema(nullable = true, enumeration = {BootTest.RUNNING, BootTest.PASSED, BootTest.FAILED, BootTest.CANCELLED}) String bootTestStatus) {

    /**
     * Every such VM, by name; call inside a transaction. Two queries whatever the number of VMs: each VM's
     * newest point (an index probe per VM), then those points' newest tests.
     */
    public static List<UnprovenVm> list() {
        List<Object[]> newest = RestorePoint.getEntityManager().createQuery("select v.id, v.name, p.id, p.createdAt"
                + " from Vm v join RestorePoint p on p.vmId = v.id"
                + " where p.id = (select p2.id from RestorePoint p2 where p2.vmId = v.id"
                + " order by p2.createdAt desc, p2.id desc limit 1)"
                + " order by v.name", Object[].class).getResultList();
        Map<UUID, String> statuses = BootTest.newestStatusOf(newest.stream().map(row -> (UUID) row[2]).toList());
        List<UnprovenVm> unproven = new ArrayList<>();
        for (Object[] row : newest) {
            String status = statuses.get((UUID) row[2]);
            if (!BootTest.PASSED.equals(status)) {
                unproven.add(new UnprovenVm((UUID) row[0], (String) row[1], (UUID) row[2], (Instant) row[3], status));
            }
        }
        return unproven;
    }
}
