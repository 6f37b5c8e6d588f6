package io.stillpoint.security;

import io.stillpoint.api.Problem;
import io.stillpoint.api.ProblemMapper;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.Set;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Double-submit CSRF protection for the console. A browser sends the session cookie with any request,
 * including one forged by another site; only a page of ours can read the {@code XSRF-TOKEN} cookie
 * and echo it in the {@code X-XSRF-TOKEN} header. Clients that send credentials with each request
 * (HTTP Basic) carry no ambient authority and are not checked.
 */
public class CsrfCheck {

    public static final String SESSION_COOKIE = "stillpoint-session";
    public static final String TOKEN_COOKIE = "XSRF-TOKEN";
    public static final String TOKEN_HEADER = "X-XSRF-TOKEN";

    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");

    @ServerRequestFilter
    public Optional<Response> check(ContainerRequestContext request) {
        if (SAFE.contains(request.getMethod())
                || request.getHeaderString("Authorization") != null
                || !request.getCookies().containsKey(SESSION_COOKIE)) {
            return Optional.empty();
        }
        Cookie token = request.getCookies().get(TOKEN_COOKIE);
        String echoed = request.getHeaderString(TOKEN_HEADER);
        if (token != null && echoed != null && MessageDigest.isEqual(
                token.getValue().getBytes(StandardCharsets.UTF_8), echoed.getBytes(StandardCharsets.UTF_8))) {
            return Optional.empty();
        }
        String path = "/" + request.getUriInfo().getPath().replaceFirst("^/", "");
        return Optional.of(Response.status(403).type(ProblemMapper.PROBLEM_JSON)
                .entity(new Problem("about:blank", "Forbidden", 403, "the " + TOKEN_HEADER
                        + " header must repeat the " + TOKEN_COOKIE + " cookie on requests that change something",
                        path, null))
                .build());
    }
}
