package io.stillpoint.api;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import io.stillpoint.security.AppUser;
import io.stillpoint.security.CsrfCheck;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.SchemaProperty;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Who is signed in, and signing out. Signing in is {@code POST /j_security_check} (form). Over HTTPS
 * the cookies are {@code Secure}, as Quarkus makes the session cookie, so a browser never sends them
 * over plain HTTP.
 */
@Tag(name = "Session")
@Path("/api")
@Authenticated
public class SessionResource {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecurityIdentity identity;

    SessionResource(SecurityIdentity identity) {
        this.identity = identity;
    }

    /** The signed-in user and role; hands the console its CSRF token cookie on the way. */
    @APIResponse(responseCode = "200", description = "The signed-in user and role",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(type = SchemaType.OBJECT, requiredProperties = {"username", "role"}, properties = {
                @SchemaProperty(name = "username", type = SchemaType.STRING),
                @SchemaProperty(name = "role", type = SchemaType.STRING, enumeration = {"viewer", "operator", "admin"})})))
    @Operation(operationId = "getCurrentUser", summary = "Get the signed-in user and role")
    @GET
    @Path("me")
    public Response me(@CookieParam(CsrfCheck.TOKEN_COOKIE) String token, @Context HttpServerRequest request) {
        String role = identity.getRoles().stream().findFirst().orElse("");
        Response.ResponseBuilder answer = Response.ok(Map.of("username", identity.getPrincipal().getName(), "role", role));
        if (token == null) {
            byte[] random = new byte[24];
            RANDOM.nextBytes(random);
            answer.cookie(new NewCookie.Builder(CsrfCheck.TOKEN_COOKIE).value(HexFormat.of().formatHex(random)).path("/")
                    .sameSite(NewCookie.SameSite.STRICT).secure(request.isSSL()).build());
        }
        return answer.build();
    }

    /**
     * Signs out: ends every console session of the user, on every node (a stolen or kept cookie stops
     * working too), and clears the cookies in this browser.
     */
    @APIResponse(responseCode = "204", description = "Signed out; the session cookie is cleared")
    @Operation(operationId = "signOut", summary = "Sign out, ending the user's sessions")
    @POST
    @Path("session/logout")
    public Response logout(@Context HttpServerRequest request) {
        String user = identity.getPrincipal().getName();
        QuarkusTransaction.requiringNew().run(() -> AppUser.update("sessionsSince = null where username = ?1", user));
        return Response.noContent()
                .cookie(new NewCookie.Builder(CsrfCheck.SESSION_COOKIE).value("").path("/").maxAge(0).secure(request.isSSL()).build())
                .cookie(new NewCookie.Builder(CsrfCheck.TOKEN_COOKIE).value("").path("/").maxAge(0).secure(request.isSSL()).build())
                .build();
    }
}
