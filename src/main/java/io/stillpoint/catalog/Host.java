package io.stillpoint.catalog;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A hypervisor connection, with the settings its adapter needs. */
@Entity
@Table(name = "host")
public class Host extends PanacheEntityBase {

    @Id
    public UUID id;

    public String name;

    public String type;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(columnDefinition = "jsonb")
    public Map<String, String> settings = new HashMap<>();

    @Column(name = "created_at")
    public Instant createdAt;

    /** When the catalog was last brought in step with the host's guests, or tried to be. */
    @Column(name = "last_refresh_at")
    public Instant lastRefreshAt;

    /** Why that refresh failed; {@code null} when it succeeded. */
    @Column(name = "last_refresh_error")
    public String lastRefreshError;

    public static Optional<Host> byId(UUID id) {
        return findByIdOptional(id);
    }

    public static Optional<Host> byName(String name) {
        return find("name", name).firstResultOptional();
    }
}
