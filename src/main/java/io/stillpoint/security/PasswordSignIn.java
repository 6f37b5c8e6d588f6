package io.stillpoint.security;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.UsernamePasswordAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.stillpoint.fs.SecretFile;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;

/**
 * Signs a user in with a name and password, by HTTP Basic or the console's form: throttled per user
 * and per client address ({@link SignInThrottle}), failures and refusals written to the audit log. A
 * form sign-in starts the user's console sessions if they had been ended ({@link SessionSignIn}).
 */
@ApplicationScoped
public class PasswordSignIn implements IdentityProvider<UsernamePasswordAuthenticationRequest> {

    static final String FORM_PATH = "/j_security_check";

    /** Compared against when the user does not exist, so that the answer takes as long either way. */
    private static final String NO_SUCH_USER = Passwords.hash(SecretFile.randomSecret());

    private final SignInThrottle throttle;

    PasswordSignIn(SignInThrottle throttle) {
        this.throttle = throttle;
    }

    @Override
    public Class<UsernamePasswordAuthenticationRequest> getRequestType() {
        return UsernamePasswordAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(UsernamePasswordAuthenticationRequest request,
            AuthenticationRequestContext context) {
        RoutingContext http = HttpSecurityUtils.getRoutingContextAttribute(request);
        String address = http == null || http.request().remoteAddress() == null
                ? "unknown" : http.request().remoteAddress().hostAddress();
        String path = http == null ? "" : http.normalizedPath();
        String user = request.getUsername();
        String password = new String(request.getPassword().getPassword());
        return context.runBlocking(() -> signIn(user, password, address, path));
    }

    private SecurityIdentity signIn(String user, String password, String address, String path) {
        boolean form = path.endsWith(FORM_PATH);
        String mechanism = form ? "form" : "basic";
        UUID attempt;
        try {
            attempt = throttle.begin(user, address);
        } catch (SignInThrottledException refused) {
            audit(user, address, mechanism, path, 429);
            throw refused;
        }
        Optional<AppUser> found = QuarkusTransaction.requiringNew().call(() -> AppUser.byName(user));
        boolean matches = Passwords.matches(password, found.map(u -> u.password).orElse(NO_SUCH_USER));
        if (found.isEmpty() || !matches) {
            throttle.failed(attempt);
            audit(user, address, mechanism, path, 401);
            throw new AuthenticationFailedException("wrong user name or password");
        }
        throttle.succeeded(attempt, user);
        if (form) {
            startSessions(user);
        }
        return QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(user))
                .addRole(found.get().role)
                .build();
    }

    /**
     * The first form sign-in since the user's sessions were ended marks when the new ones begin; in
     * milliseconds, as the session cookie counts its time.
     */
    private static void startSessions(String user) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        QuarkusTransaction.requiringNew().run(() -> AppUser.update(
                "sessionsSince = ?1 where username = ?2 and sessionsSince is null", now, user));
    }

    private static void audit(String user, String address, String mechanism, String path, int status) {
        QuarkusTransaction.requiringNew().run(
                () -> AuditEvent.signIn(SignInThrottle.cut(user), address, mechanism, path, status));
    }
}
