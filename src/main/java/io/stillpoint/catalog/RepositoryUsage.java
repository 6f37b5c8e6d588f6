package io.stillpoint.catalog;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/** One sample of a repository's space: physical use of its file system beside its points' logical size. */
@Entity
@Table(name = "repository_usage")
public class RepositoryUsage extends PanacheEntityBase {

    /**
     * Samples closer than this replace each other, so retention deleting many points, or many VMs backed up
     * at once, leave one row rather than hundreds: the table grows at most by one row a minute per repository.
     */
    public static final Duration RESOLUTION = Duration.ofMinutes(1);

    @Id
    public UUID id;

    @Column(name = "repository_id")
    public UUID repositoryId;

    @Column(name = "sampled_at")
    public Instant sampledAt;

    /** Null when the repository's file system could not be read. */
    @Column(name = "used_bytes")
    public Long usedBytes;

    @Column(name = "logical_bytes")
    public long logicalBytes;

    /**
     * Records a sample, replacing the repository's newest one when that is less than {@link #RESOLUTION} old.
     * The caller holds the repository's row lock, so two nodes sampling at once cannot both insert.
     */
    public static RepositoryUsage record(UUID repositoryId, Instant at, Long usedBytes, long logicalBytes) {
        RepositoryUsage sample = RepositoryUsage.<RepositoryUsage>find(
                        "repositoryId = ?1 and sampledAt > ?2 order by sampledAt desc", repositoryId, at.minus(RESOLUTION))
                .firstResultOptional()
                .orElseGet(() -> {
                    RepositoryUsage fresh = new RepositoryUsage();
                    fresh.id = UUID.randomUUID();
                    fresh.repositoryId = repositoryId;
                    return fresh;
                });
        sample.sampledAt = at;
        sample.usedBytes = usedBytes;
        sample.logicalBytes = logicalBytes;
        sample.persist();
        return sample;
    }

    /** The repository's newest {@code limit} samples, oldest first, as a chart draws them. */
    public static List<RepositoryUsage> newest(UUID repositoryId, int limit) {
        List<RepositoryUsage> newestFirst = new ArrayList<>(
                RepositoryUsage.<RepositoryUsage>find("repositoryId = ?1 order by sampledAt desc", repositoryId)
                        .page(0, limit).list());
        Collections.reverse(newestFirst);
        return newestFirst;
    }
}
