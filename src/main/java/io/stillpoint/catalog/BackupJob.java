package io.stillpoint.catalog;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A scheduled backup: which VMs, when, how, where to, and what to keep. */
@Entity
@Table(name = "backup_job")
public class BackupJob extends PanacheEntityBase {

    @Id
    public UUID id;

    public String name;

    /** A Quartz cron expression, e.g. {@code 0 0 2 * * ?}. */
    public String schedule;

    @Column(name = "time_zone")
    public String timeZone;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "vm_ids", columnDefinition = "jsonb")
    public List<UUID> vmIds = new ArrayList<>();

    /** A glob matched against whole VM names ({@code io.stillpoint.schedule.VmNameGlob}), or null. */
    @Column(name = "vm_name_pattern")
    public String vmNamePattern;

    /**
     * The regular expression an older version kept as {@code vmNamePattern}, when it had no glob that picks
     * the same names; null otherwise. Such a job was disabled by the upgrade and stays so until it is given
     * a glob.
     */
    @Column(name = "legacy_vm_name_regex")
    public String legacyVmNameRegex;

    public String mode;

    /** Null for each host's default writer. */
    public String writer;

    @Column(name = "repository_id")
    public UUID repositoryId;

    /** {@code keepLast}, {@code keepHourly}, … {@code keepYearly}. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(columnDefinition = "jsonb")
    public Map<String, Integer> retention = new LinkedHashMap<>();

    public boolean enabled;

    @Column(name = "verify_after")
    public boolean verifyAfter;

    /** Whether each new point of a run of this job gets a boot test after the run. */
    @Column(name = "boot_test_after")
    public boolean bootTestAfter;

    @Column(name = "max_parallel")
    public int maxParallel;

    @Column(name = "minimum_consistency")
    public String minimumConsistency;

    /** Every Nth run of a VM compares chunk digests even when the writer tracked its changes; null: never. */
    @Column(name = "compare_every")
    public Integer compareEvery;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "updated_at")
    public Instant updatedAt;

    public static Optional<BackupJob> byId(UUID id) {
        return findByIdOptional(id);
    }

    public static Optional<BackupJob> byName(String name) {
        return find("name", name).firstResultOptional();
    }
}
