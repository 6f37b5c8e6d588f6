package io.stillpoint.security;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.LockModeType;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** A console or API user; the password is stored only as a bcrypt hash. */
@Entity
@Table(name = "app_user")
public class AppUser extends PanacheEntityBase {

    @Id
    public String username;

    /** Modular Crypt Format bcrypt hash, never the password itself. */
    public String password;

    public String role;

    @Column(name = "created_at")
    public Instant createdAt;

    /**
     * When the user's current console sessions began; {@code null} once they were ended by a logout or
     * a password change. Only session cookies issued since then are accepted.
     */
    @Column(name = "sessions_since")
    public Instant sessionsSince;

    public static Optional<AppUser> byName(String username) {
        return findByIdOptional(username);
    }

    /** The user, its row locked until the transaction ends. */
    public static Optional<AppUser> lockedByName(String username) {
        return findByIdOptional(username, LockModeType.PESSIMISTIC_WRITE);
    }

    /**
     * Every admin, their rows locked until the transaction ends, so that a check of "is this the last
     * admin" holds until the change it allows is committed: a concurrent change waits and then counts
     * again.
     */
    public static List<AppUser> lockedAdmins() {
        return find("role = ?1 order by username", Role.ADMIN).withLock(LockModeType.PESSIMISTIC_WRITE).list();
    }

    /** Sets a new password (checked by {@link Passwords#checkNew}) and ends the user's console sessions. */
    public void setPassword(String plain) {
        this.password = Passwords.hash(plain);
        this.sessionsSince = null;
    }
}
