package io.stillpoint.backup;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.stillpoint.alert.Alert;
import io.stillpoint.alert.AlertType;
import io.stillpoint.alert.Alerts;
import io.stillpoint.alert.NotificationsConfig;
import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.repository.RepositorySpace;
import io.stillpoint.config.Periodic;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Looks at every repository every {@code stillpoint.notifications.check-interval}: one whose file system is at
 * least {@code repository-full-percent} full raises {@code repository-nearly-full}, one that is not ready (as
 * the readiness check sees it) raises {@code repository-check-failed}; each once, until it is over.
 */
@ApplicationScoped
public class RepositoryWatch {

    private static final Logger LOG = Logger.getLogger(RepositoryWatch.class);
    private static final String NEARLY_FULL = "repository-full:";

    private final RepositoryChecker checker;
    private final Alerts alerts;
    private final Duration interval;
    private final int fullPercent;
    private Periodic periodic;

    RepositoryWatch(RepositoryChecker checker, Alerts alerts, NotificationsConfig config) {
        this.checker = checker;
        this.alerts = alerts;
        this.interval = config.checkInterval();
        this.fullPercent = config.repositoryFullPercent();
    }

    void onStart(@Observes @Priority(60) StartupEvent start) {
        periodic = Periodic.every("repository-watch", interval, this::watch);
    }

    void onStop(@Observes ShutdownEvent stop) {
        if (periodic != null) {
            periodic.close();
        }
    }

    void watch() {
        try {
            for (BackupRepository repository : QuarkusTransaction.requiringNew().call(() -> BackupRepository.<BackupRepository>listAll())) {
                checker.alertOn(repository, checker.readiness(repository));
                RepositorySpace.of(repository.root()).ifPresent(space -> space(repository, space));
            }
        } catch (RuntimeException e) {
            LOG.warnf(e, "watching the repositories failed this time; the next look tries again");
        }
    }

    private void space(BackupRepository repository, RepositorySpace space) {
        String key = NEARLY_FULL + repository.id;
        long percent = space.totalBytes() == 0 ? 0 : 100 - space.usableBytes() * 100 / space.totalBytes();
        if (percent < fullPercent) {
            alerts.clear(key);
            return;
        }
        alerts.raiseWhile(key, Alert.of(AlertType.REPOSITORY_NEARLY_FULL, "repository '" + repository.name + "' is "
                        + percent + "% full (" + space.usableBytes() / (1 << 20) + " MiB left of "
                        + space.totalBytes() / (1 << 20) + " MiB; the threshold is " + fullPercent + "%)")
                .repository(repository.id).scope("repository '" + repository.name + "'"));
    }
}
