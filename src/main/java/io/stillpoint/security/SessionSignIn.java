package io.stillpoint.security;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.TrustedAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.Cookie;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Optional;

/**
 * Signs a user in by the console's session cookie, which Quarkus has already decrypted and checked
 * for its idle timeout. The cookie is accepted only if it was issued since the user's sessions began
 * ({@link AppUser#sessionsSince}): a logout or a password change ends every earlier cookie, on every
 * node, including one another request renewed while the logout ran.
 */
@ApplicationScoped
public class SessionSignIn implements IdentityProvider<TrustedAuthenticationRequest> {

    private final SessionCookies cookies;

    SessionSignIn(SessionCookies cookies) {
        this.cookies = cookies;
    }

    @Override
    public Class<TrustedAuthenticationRequest> getRequestType() {
        return TrustedAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(TrustedAuthenticationRequest request, AuthenticationRequestContext context) {
        RoutingContext http = HttpSecurityUtils.getRoutingContextAttribute(request);
        Optional<Instant> issued = Optional.ofNullable(http)
                .map(h -> h.request().getCookie(cookies.name()))
                .map(Cookie::getValue)
                .flatMap(cookies::issuedAt);
        String user = request.getPrincipal();
        return context.runBlocking(() -> {
            AppUser found = QuarkusTransaction.requiringNew().call(() -> AppUser.byName(user))
                    .orElseThrow(() -> new AuthenticationFailedException("the session's user no longer exists"));
            if (issued.isEmpty() || found.sessionsSince == null || issued.get().isBefore(found.sessionsSince)) {
                throw new AuthenticationFailedException("the session has ended; sign in again");
            }
            return QuarkusSecurityIdentity.builder()
                    .setPrincipal(new QuarkusPrincipal(user))
                    .addRole(found.role)
                    .build();
        });
    }
}
