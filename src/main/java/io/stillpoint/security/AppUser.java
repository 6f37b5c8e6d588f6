package io.stillpoint.security;

import io.quarkus.elytron.security.common.BcryptUtil;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import io.quarkus.security.jpa.Password;
import io.quarkus.security.jpa.Roles;
import io.quarkus.security.jpa.UserDefinition;
import io.quarkus.security.jpa.Username;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Optional;

/** A console or API user; the password is stored only as a bcrypt hash. */
@Entity
@Table(name = "app_user")
@UserDefinition
public class AppUser extends PanacheEntityBase {

    @Id
    @Username
    public String username;

    /** Modular Crypt Format bcrypt hash, never the password itself. */
    @Password
    public String password;

    @Roles
    public String role;

    @Column(name = "created_at")
    public Instant createdAt;

    public static Optional<AppUser> byName(String username) {
        return findByIdOptional(username);
    }

    public void setPassword(String plain) {
        this.password = BcryptUtil.bcryptHash(plain);
    }
}
