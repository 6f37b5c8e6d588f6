package io.stillpoint.security;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.BlockingOperationControl;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/** Writes every state-changing API call to the audit log: user, time, action, target and outcome. */
public class AuditTrail {

    private static final Logger LOG = Logger.getLogger(AuditTrail.class);
    private static final Set<String> CHANGING = Set.of("POST", "PUT", "DELETE", "PATCH");

    @Inject
    CurrentIdentityAssociation identity;

    @ServerResponseFilter
    public void record(ContainerRequestContext request, ContainerResponseContext response) {
        if (!CHANGING.contains(request.getMethod())) {
            return;
        }
        AuditEvent event = new AuditEvent();
        event.id = UUID.randomUUID();
        event.at = Instant.now();
        var who = identity.getIdentity();
        event.username = actor(who);
        event.target = "/" + request.getUriInfo().getPath().replaceFirst("^/", "");
        event.action = request.getMethod() + " " + route(event.target);
        event.status = response.getStatus();
        // A call refused before it reached its resource (403 from a role check) is answered on the I/O
        // thread, where the catalog may not be written; such events are written on a worker instead.
        if (BlockingOperationControl.isBlockingAllowed()) {
            write(event);
        } else {
            Infrastructure.getDefaultWorkerPool().execute(() -> write(event));
        }
    }

    /** The user, and for a call made with an API token also the token: {@code ci (nightly export)}. */
    static String actor(SecurityIdentity who) {
        if (who == null || who.isAnonymous()) {
            return null;
        }
        String token = who.getAttribute(TokenSignIn.TOKEN_NAME);
        return token == null ? who.getPrincipal().getName() : who.getPrincipal().getName() + " (" + token + ")";
    }

    private static void write(AuditEvent event) {
        try {
            QuarkusTransaction.requiringNew().run(event::persist);
        } catch (RuntimeException e) {
            LOG.errorf(e, "audit event not written: %s %s by %s -> %d", event.action, event.target, event.username,
                    event.status);
        }
    }

    /** The route without ids, so that actions group: {@code /api/vms/3f2.../backup} -> {@code /api/vms/{id}/backup}. */
    static String route(String path) {
        return path.replaceAll("/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", "/{id}");
    }
}
