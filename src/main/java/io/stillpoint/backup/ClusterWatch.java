package io.stillpoint.backup;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.stillpoint.alert.Alert;
import io.stillpoint.alert.AlertType;
import io.stillpoint.alert.Alerts;
import io.stillpoint.catalog.BackupRun;
import io.stillpoint.catalog.NodeHeartbeat;
import io.stillpoint.catalog.RunStatus;
import io.stillpoint.config.NodeName;
import io.stillpoint.config.StillpointConfig;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Lets the nodes that share a catalog watch each other: each node records a heartbeat, and runs left
 * unfinished by a node silent for longer than {@code stillpoint.cluster.dead-after} are taken over and recovered (guest
 * resumed, partial files removed, run FAILED as interrupted) by a live node. A silent node raises one
 * {@code node-silent} alert, until it beats again.
 */
@ApplicationScoped
public class ClusterWatch {

    static final Duration BEAT = Duration.ofSeconds(5);
    private static final String SILENT = "node-silent:";

    private static final Logger LOG = Logger.getLogger(ClusterWatch.class);

    private final RunRecovery recovery;
    private final Alerts alerts;
    private final Duration deadAfter;
    private final String node;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "cluster-watch");
        thread.setDaemon(true);
        return thread;
    });

    ClusterWatch(RunRecovery recovery, NodeName node, StillpointConfig config, Alerts alerts) {
        this.recovery = recovery;
        this.alerts = alerts;
        this.deadAfter = config.cluster().deadAfter();
        this.node = node.value();
    }

    void onStart(@Observes @Priority(30) StartupEvent start) {
        beat();
        timer.scheduleWithFixedDelay(this::tick, BEAT.toMillis(), BEAT.toMillis(), TimeUnit.MILLISECONDS);
    }

    void onStop(@Observes ShutdownEvent stop) {
        timer.shutdownNow();
    }

    private void tick() {
        try {
            beat();
            watchSilentNodes();
            recoverDeadNodes();
        } catch (RuntimeException e) {
            LOG.warn("cluster watch failed this time; it tries again", e);
        }
    }

    private void beat() {
        QuarkusTransaction.requiringNew().run(() -> {
            NodeHeartbeat heartbeat = NodeHeartbeat.<NodeHeartbeat>findByIdOptional(node).orElseGet(() -> {
                NodeHeartbeat fresh = new NodeHeartbeat();
                fresh.node = node;
                return fresh;
            });
            heartbeat.lastSeen = Instant.now();
            heartbeat.persist();
        });
    }

    /** Raises {@code node-silent} for each other node silent longer than {@code dead-after}; clears it once it beats. */
    void watchSilentNodes() {
        Instant deadline = Instant.now().minus(deadAfter);
        QuarkusTransaction.requiringNew().run(() -> {
            Set<String> raised = alerts.raised(SILENT);
            for (NodeHeartbeat heartbeat : NodeHeartbeat.<NodeHeartbeat>listAll()) {
                String key = SILENT + heartbeat.node;
                if (heartbeat.node.equals(node) || heartbeat.lastSeen.isAfter(deadline)) {
                    if (raised.contains(key)) {
                        alerts.clear(key);
                    }
                } else if (!raised.contains(key)) {
                    alerts.raiseWhile(key, Alert.of(AlertType.NODE_SILENT, "node '" + heartbeat.node
                            + "' has been silent since " + heartbeat.lastSeen + " (seen by node '" + node + "')")
                            .node(heartbeat.node).scope("node '" + heartbeat.node + "'"));
                }
            }
        });
    }

    /** Claims each orphaned run by moving it to this node in one conditional update, then recovers it. */
    void recoverDeadNodes() {
        Instant deadline = Instant.now().minus(deadAfter);
        List<BackupRun> orphaned = QuarkusTransaction.requiringNew().call(() -> BackupRun.<BackupRun>list(
                "status in ?1 and node <> ?2 and node not in (select h.node from NodeHeartbeat h where h.lastSeen > ?3)",
                List.of(RunStatus.QUEUED, RunStatus.RUNNING), node, deadline));
        List<String> repaired = new ArrayList<>();
        for (BackupRun run : orphaned) {
            boolean claimed = QuarkusTransaction.requiringNew().call(() -> BackupRun.update(
                    "node = ?1 where id = ?2 and node = ?3 and status in ?4", node, run.id, run.node,
                    List.of(RunStatus.QUEUED, RunStatus.RUNNING)) == 1);
            if (claimed) {
                LOG.warnf("node '%s' is silent; recovering its run %s", run.node, run.id);
                repaired.add(recovery.recover(QuarkusTransaction.requiringNew().call(() -> BackupRun.byId(run.id).orElseThrow()))
                        + " (left by silent node '" + run.node + "')");
            }
        }
        if (!repaired.isEmpty()) {
            alerts.raise(Alert.of(AlertType.RECOVERY_REPAIRED, "node '" + node + "' took over and repaired: "
                    + RunAlerts.oneLine(String.join("; ", repaired))).node(node).scope("node '" + node + "'"));
        }
    }
}
