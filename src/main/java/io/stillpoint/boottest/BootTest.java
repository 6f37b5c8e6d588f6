package io.stillpoint.boottest;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One boot test of a restore point: its sandbox's verdict, how long the guest took, and what proves it. */
@Entity
@Table(name = "boot_test")
public class BootTest extends PanacheEntityBase {

    public static final String RUNNING = "RUNNING";
    public static final String PASSED = "PASSED";
    public static final String FAILED = "FAILED";
    public static final String CANCELLED = "CANCELLED";

    @Id
    public UUID id;

    @Column(name = "restore_point_id")
    public UUID restorePointId;

    public String status;

    /** {@code qemu} or {@code simulated}. */
    public String kind;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "finished_at")
    public Instant finishedAt;

    @Column(name = "boot_millis")
    public Long bootMillis;

    public String evidence;

    @Column(name = "has_screenshot")
    public boolean hasScreenshot;

    @Column(name = "has_serial_log")
    public boolean hasSerialLog;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "check_command", columnDefinition = "jsonb")
    public List<String> checkCommand;

    @Column(name = "serial_pattern")
    public String serialPattern;

    @Column(name = "timeout_seconds")
    public int timeoutSeconds;

    @Column(name = "requested_by")
    public String requestedBy;

    public String node;

    @Column(name = "sandbox_pid")
    public Long sandboxPid;

    public static Optional<BootTest> byId(UUID id) {
        return findByIdOptional(id);
    }

    /** The point's newest test: its verdict. */
    public static Optional<BootTest> newestOf(UUID pointId) {
        return find("restorePointId = ?1 order by startedAt desc", pointId).firstResultOptional();
    }

    /** The newest test's status of each of the points that had one, in one query for a page of points. */
    public static java.util.Map<UUID, String> newestStatusOf(java.util.Collection<UUID> pointIds) {
        java.util.Map<UUID, String> statuses = new java.util.HashMap<>();
        if (pointIds.isEmpty()) {
            return statuses;
        }
        List<Object[]> rows = getEntityManager().createQuery("select t.restorePointId, t.status from BootTest t"
                + " where t.restorePointId in ?1 order by t.startedAt", Object[].class)
                .setParameter(1, pointIds).getResultList();
        rows.forEach(row -> statuses.put((UUID) row[0], (String) row[1]));
        return statuses;
    }

    public static Optional<BootTest> runningOf(UUID pointId) {
        return find("restorePointId = ?1 and status = ?2", pointId, RUNNING).firstResultOptional();
    }

    public static List<BootTest> runningOn(String node) {
        return list("status = ?1 and node = ?2", RUNNING, node);
    }

    public boolean finished() {
        return !RUNNING.equals(status);
    }
}
