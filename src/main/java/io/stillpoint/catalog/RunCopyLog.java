package io.stillpoint.catalog;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.util.Optional;
import java.util.UUID;

/** The per-file record of a run's copy, gzipped text: one "source -> destination" line per entry. */
@Entity
@Table(name = "run_copy_log")
public class RunCopyLog extends PanacheEntityBase {

    @Id
    @Column(name = "run_id")
    public UUID runId;

    public long entries;

    public byte[] log;

    public static Optional<RunCopyLog> of(UUID runId) {
        return findByIdOptional(runId);
    }
}
