package io.stillpoint.api;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.security.Authenticated;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.identity.SecurityIdentity;
import io.stillpoint.api.dto.CreatedTokenResponse;
import io.stillpoint.api.dto.TokenRequest;
import io.stillpoint.api.dto.TokenResponse;
import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.security.ApiToken;
import io.stillpoint.security.Role;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.hibernate.exception.ConstraintViolationException;

/**
 * API tokens for scripts and tools: every user makes, lists and revokes their own; admins list
 * ({@code ?all=true}) and revoke everyone's. A token's secret is in the answer that makes it and
 * nowhere else.
 */
@Tag(name = "API tokens")
@Path("/api/tokens")
@Authenticated
public class TokenResource {

    private final SecurityIdentity identity;

    TokenResource(SecurityIdentity identity) {
        this.identity = identity;
    }

    @Operation(operationId = "listTokens", summary = "List API tokens with their last use")
    @GET
    public List<TokenResponse> list(@QueryParam("all") boolean all) {
        if (all && !isAdmin()) {
            throw new ForbiddenException();
        }
        String user = identity.getPrincipal().getName();
        return QuarkusTransaction.requiringNew().call(() -> (all ? ApiToken.everyones() : ApiToken.ofUser(user))
                .stream().map(TokenResponse::of).toList());
    }

    @APIResponse(responseCode = "201", description = "The token, with its secret shown this once",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CreatedTokenResponse.class)))
    @Operation(operationId = "createToken", summary = "Create an API token (its secret is shown once)")
    @POST
    public Response create(TokenRequest body) {
        if (body == null || body.name() == null || body.name().isBlank() || body.name().length() > 100
                || body.name().chars().anyMatch(Character::isISOControl)) {
            throw new InvalidRequestException("name", "must be 1-100 characters, not all blank, without control characters");
        }
        String role = Role.parse(body.role())
                .orElseThrow(() -> new InvalidRequestException("role", "must be one of " + Role.all()));
        String own = ownRole();
        if (!Role.atMost(role, own)) {
            throw new InvalidRequestException("role", "may be at most your own role, '" + own + "'");
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        if (body.expiresAt() != null && !body.expiresAt().isAfter(now)) {
            throw new InvalidRequestException("expiresAt", "must be in the future");
        }
        String secret = ApiToken.newSecret();
        ApiToken token = QuarkusTransaction.requiringNew().call(() -> {
            ApiToken made = new ApiToken();
            made.id = UUID.randomUUID();
            made.username = identity.getPrincipal().getName();
            made.name = body.name().strip();
            made.role = role;
            made.secretHash = ApiToken.hash(secret);
            made.createdAt = now;
            made.expiresAt = body.expiresAt() == null ? null : body.expiresAt().truncatedTo(ChronoUnit.MICROS);
            try {
                made.persistAndFlush();
            } catch (ConstraintViolationException exists) {
                throw new InvalidRequestException("name", "you have a token named '" + made.name + "' already");
            }
            return made;
        });
        return Response.created(URI.create("/api/tokens/" + token.id)).entity(CreatedTokenResponse.of(token, secret)).build();
    }

    /** Revokes at once: the next request with the token is refused, on every node. */
    @APIResponse(responseCode = "204", description = "The token no longer signs anyone in")
    @Operation(operationId = "revokeToken", summary = "Revoke an API token")
    @DELETE
    @Path("{id}")
    public Response revoke(@PathParam("id") UUID id) {
        String user = identity.getPrincipal().getName();
        boolean admin = isAdmin();
        QuarkusTransaction.requiringNew().run(() -> {
            ApiToken token = ApiToken.<ApiToken>findByIdOptional(id)
                    .filter(t -> admin || t.username.equals(user))
                    .orElseThrow(() -> new NotFoundException("API token", id));
            token.delete();
        });
        return Response.noContent().build();
    }

    /** The caller's role as this request holds it: for a token, the token's (capped by its user's). */
    private String ownRole() {
        return identity.getRoles().stream().filter(r -> Role.parse(r).isPresent())
                .reduce(Role.VIEWER, (a, b) -> Role.atMost(a, b) ? b : a);
    }

    private boolean isAdmin() {
        return identity.hasRole(Role.ADMIN);
    }
}
