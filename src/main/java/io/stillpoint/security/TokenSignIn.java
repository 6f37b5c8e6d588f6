package io.stillpoint.security;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;

/**
 * Signs a client in by an API token: the token must exist (not revoked), not have expired, and belong
 * to a user who still exists. It acts as its user, with the lesser of its own role and the user's
 * current one, so that demoting a user demotes the user's tokens at once.
 *
 * <p>Every request reads the token from the catalog, so that a revocation holds at once on every
 * node; but its last use is written at most once per {@link #LAST_USE_RESOLUTION}, not on every
 * request.
 */
@ApplicationScoped
public class TokenSignIn implements IdentityProvider<BearerTokenRequest> {

    /** The identity's attribute naming the token, for the audit log: {@code user (token name)}. */
    public static final String TOKEN_NAME = "stillpoint.token-name";

    static final Duration LAST_USE_RESOLUTION = Duration.ofMinutes(1);

    @Override
    public Class<BearerTokenRequest> getRequestType() {
        return BearerTokenRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(BearerTokenRequest request, AuthenticationRequestContext context) {
        if (!ApiToken.wellFormed(request.secret())) {
            return Uni.createFrom().failure(new AuthenticationFailedException("not an API token of this server"));
        }
        return context.runBlocking(() -> signIn(request.secret()));
    }

    private static SecurityIdentity signIn(String secret) {
        Instant now = Instant.now();
        return QuarkusTransaction.requiringNew().call(() -> {
            ApiToken token = ApiToken.bySecret(secret)
                    .orElseThrow(() -> new AuthenticationFailedException("no such API token; it may have been revoked"));
            if (token.expiredAt(now)) {
                throw new AuthenticationFailedException("API token '" + token.name + "' of '" + token.username
                        + "' expired at " + token.expiresAt);
            }
            AppUser user = AppUser.byName(token.username)
                    .orElseThrow(() -> new AuthenticationFailedException("the API token's user no longer exists"));
            if (token.lastUsedAt == null || token.lastUsedAt.isBefore(now.minus(LAST_USE_RESOLUTION))) {
                // Conditional, so that of several nodes (or requests) seeing an old value only one writes.
                ApiToken.update("lastUsedAt = ?1 where id = ?2 and (lastUsedAt is null or lastUsedAt < ?3)",
                        now, token.id, now.minus(LAST_USE_RESOLUTION));
            }
            return QuarkusSecurityIdentity.builder()
                    .setPrincipal(new QuarkusPrincipal(token.username))
                    .addRole(Role.lesser(token.role, user.role))
                    .addAttribute(TOKEN_NAME, token.name)
                    .build();
        });
    }
}
