package io.stillpoint.api;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.api.dto.RunSummary;
import io.stillpoint.backup.RunProgress;
import io.stillpoint.catalog.BackupRun;
import io.stillpoint.catalog.RunStatus;
import io.stillpoint.security.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The console's dashboard figures, counted by the catalog rather than from whole lists. */
@RolesAllowed({Role.VIEWER, Role.OPERATOR, Role.ADMIN})
@Tag(name = "Dashboard")
@Path("/api/dashboard")
public class DashboardResource {

    private static final Duration DAY = Duration.ofHours(24);

    /**
     * @param vms every VM in the catalog
     * @param protectedVms VMs with a restore point from the last 24 hours
     * @param runsLastDay runs created in the last 24 hours that have finished, by status
     * @param activeRuns runs queued or running, newest first
     */
    public record Dashboard(Instant at, long vms, long protectedVms, Map<String, Long> runsLastDay,
            List<RunSummary> activeRuns) {}

    private final RunProgress progress;

    DashboardResource(RunProgress progress) {
        this.progress = progress;
    }

    @Operation(operationId = "getDashboard", summary = "Get the dashboard's figures, counted in the catalog")
    @GET
    public Dashboard get() {
        Instant now = Instant.now();
        Instant since = now.minus(DAY);
        return QuarkusTransaction.requiringNew().call(() -> {
            var em = BackupRun.getEntityManager();
            long vms = em.createQuery("select count(v) from Vm v", Long.class).getSingleResult();
            long protectedVms = em.createQuery("select count(v) from Vm v where exists (select 1 from RestorePoint p"
                    + " where p.vmId = v.id and p.createdAt >= ?1)", Long.class).setParameter(1, since).getSingleResult();
            Map<String, Long> outcomes = new LinkedHashMap<>();
            for (RunStatus status : RunStatus.values()) {
                if (status.finished()) {
                    outcomes.put(status.name(), 0L);
                }
            }
            em.createQuery("select r.status, count(r) from BackupRun r where r.createdAt >= ?1 and r.finishedAt is not null"
                    + " group by r.status", Object[].class).setParameter(1, since).getResultList()
                    .forEach(row -> outcomes.put(((RunStatus) row[0]).name(), (Long) row[1]));
            List<RunSummary> active = BackupRun.<BackupRun>list("status in ?1 order by createdAt desc, id desc",
                    List.of(RunStatus.QUEUED, RunStatus.RUNNING)).stream()
                    .map(r -> RunSummary.of(r, progress.of(r.id).orElse(null))).toList();
            return new Dashboard(now, vms, protectedVms, outcomes, active);
        });
    }
}
