package io.stillpoint.restore;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.alert.Alert;
import io.stillpoint.alert.AlertType;
import io.stillpoint.alert.Alerts;
import io.stillpoint.backup.RunAlerts;
import io.stillpoint.catalog.BackupJob;
import io.stillpoint.catalog.BackupRun;
import io.stillpoint.catalog.Vm;
import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.copy.CancellationSignal;
import io.stillpoint.inventory.ConflictException;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.repository.ManifestCodec;
import io.stillpoint.repository.RepositoryLayout;
import io.stillpoint.repository.RestorePointVerifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * Verifies restore points on demand: every file re-read against the manifest, the outcome and its
 * time stored on the restore point. A failed verify names the files, and restores refuse the point
 * unless forced. A failed verify raises {@code verify-failed} with the outcome, in the same transaction.
 */
@ApplicationScoped
public class VerifyService {

    public static final String RUNNING = "RUNNING";
    public static final String OK = "OK";
    public static final String FAILED = "FAILED";

    private static final Logger LOG = Logger.getLogger(VerifyService.class);

    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "verify"));
    private final Alerts alerts;

    VerifyService(Alerts alerts) {
        this.alerts = alerts;
    }

    /** Marks the restore point as being verified and starts the verify in the background. */
    public RestorePoint start(UUID pointId) {
        RestorePoint point = QuarkusTransaction.requiringNew().call(() -> {
            RestorePoint p = RestorePoint.byId(pointId).orElseThrow(() -> new NotFoundException("restore point", pointId));
            if (RUNNING.equals(p.verifyStatus)) {
                throw new ConflictException("restore point " + pointId + " is being verified already");
            }
            p.verifyStatus = RUNNING;
            p.verifyProblems = null;
            return p;
        });
        executor.execute(() -> verify(pointId));
        return point;
    }

    /** Verifies now, on the caller's thread; returns the problems found. */
    public List<String> verify(UUID pointId) {
        List<String> problems;
        try {
            Path dir = QuarkusTransaction.requiringNew().call(() -> {
                RestorePoint p = RestorePoint.byId(pointId).orElseThrow();
                BackupRepository repository = BackupRepository.byId(p.repositoryId).orElseThrow();
                return new RepositoryLayout(repository.root()).resolve(p.relativePath);
            });
            problems = RestorePointVerifier.problems(dir,
                    ManifestCodec.read(dir.resolve(RepositoryLayout.MANIFEST)), new CancellationSignal());
        } catch (Exception e) {
            problems = List.of("the restore point could not be read: " + e.getMessage());
        }
        List<String> found = problems;
        QuarkusTransaction.requiringNew().run(() -> RestorePoint.byId(pointId).ifPresent(p -> {
            p.verifiedAt = Instant.now();
            p.verifyStatus = found.isEmpty() ? OK : FAILED;
            p.verifyProblems = found.isEmpty() ? null : String.join("; ", found);
            if (!found.isEmpty()) {
                alerts.raise(failed(p, found));
            }
        }));
        if (!found.isEmpty()) {
            LOG.warnf("restore point %s failed verification: %s", pointId, String.join("; ", found));
        }
        return found;
    }

    private static Alert failed(RestorePoint point, List<String> problems) {
        String vm = Vm.<Vm>findByIdOptional(point.vmId).map(v -> "'" + v.name + "'").orElse(String.valueOf(point.vmId));
        UUID jobId = point.runId == null ? null : BackupRun.byId(point.runId).map(r -> r.jobId).orElse(null);
        String scope = jobId == null ? "VM " + vm : BackupJob.byId(jobId).map(j -> "job '" + j.name + "'").orElse("job " + jobId);
        return Alert.of(AlertType.VERIFY_FAILED, "restore point " + point.id + " of VM " + vm + " (" + point.createdAt
                        + ") failed its verify: " + RunAlerts.oneLine(problems.size() + " problems, the first: " + problems.get(0)))
                .vm(point.vmId).job(jobId).restorePoint(point.id).repository(point.repositoryId).scope(scope);
    }

    @PreDestroy
    void shutdown() {
        executor.shutdownNow();
    }
}
