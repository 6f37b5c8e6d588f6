package io.stillpoint.catalog;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** A backup target: a directory holding restore points. */
@Entity
@Table(name = "backup_repository")
public class BackupRepository extends PanacheEntityBase {

    @Id
    public UUID id;

    public String name;

    public String path;

    @Column(name = "created_at")
    public Instant createdAt;

    /** Whether files in the repository can share blocks (reflink); null until probed. */
    @Column(name = "block_clone")
    public Boolean blockClone;

    @Column(name = "block_clone_checked_at")
    public Instant blockCloneCheckedAt;

    public Path root() {
        return Path.of(path);
    }

    public static Optional<BackupRepository> byId(UUID id) {
        return findByIdOptional(id);
    }

    public static Optional<BackupRepository> byName(String name) {
        return find("name", name).firstResultOptional();
    }
}
