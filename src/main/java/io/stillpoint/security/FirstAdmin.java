package io.stillpoint.security;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import io.stillpoint.config.StillpointConfig;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import org.jboss.logging.Logger;

/**
 * Creates the first admin, user {@code admin}, when there are no users: with the password from
 * {@code STILLPOINT_ADMIN_PASSWORD}, or else a generated one printed once — never a fixed default.
 */
@ApplicationScoped
class FirstAdmin {

    private static final Logger LOG = Logger.getLogger(FirstAdmin.class);

    private final StillpointConfig config;

    FirstAdmin(StillpointConfig config) {
        this.config = config;
    }

    void onStart(@Observes @Priority(5) StartupEvent start) {
        QuarkusTransaction.requiringNew().run(() -> {
            // Nodes of a cluster starting together on an empty catalog take turns here: the first makes
            // the admin, the others then find it (and do not print a password that is not the one kept).
            AppUser.getEntityManager().createNativeQuery("SELECT pg_advisory_xact_lock(hashtext('stillpoint.first-admin'))")
                    .getSingleResult();
            if (AppUser.count() > 0) {
                return;
            }
            if (config.admin().password().filter(Passwords::tooLong).isPresent()) {
                throw new IllegalStateException("STILLPOINT_ADMIN_PASSWORD is longer than " + Passwords.MAX_BYTES
                        + " bytes in UTF-8; bcrypt would ignore the rest, so choose a shorter one");
            }
            boolean generated = config.admin().password().isEmpty();
            String password = config.admin().password().orElseGet(FirstAdmin::generate);
            AppUser admin = new AppUser();
            admin.username = "admin";
            admin.role = Role.ADMIN;
            admin.setPassword(password);
            admin.createdAt = Instant.now();
            admin.persist();
            if (generated) {
                LOG.warnf("created the first user 'admin' with the generated password %s -- it is shown only now;"
                        + " change it with PUT /api/users/admin", password);
            } else {
                LOG.info("created the first user 'admin' with the password from STILLPOINT_ADMIN_PASSWORD");
            }
        });
    }

    private static String generate() {
        byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }
}
