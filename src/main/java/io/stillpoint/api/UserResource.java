package io.stillpoint.api;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.api.dto.UserRequest;
import io.stillpoint.api.dto.UserResponse;
import io.stillpoint.inventory.ConflictException;
import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.security.AppUser;
import io.stillpoint.security.Passwords;
import io.stillpoint.security.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.hibernate.exception.ConstraintViolationException;

/** Users and their roles; admins only. Passwords are stored as bcrypt hashes and never returned. */
@Tag(name = "Users")
@Path("/api/users")
@RolesAllowed(Role.ADMIN)
public class UserResource {

    @Operation(operationId = "listUsers", summary = "List the users")
    @GET
    public List<UserResponse> list() {
        return QuarkusTransaction.requiringNew().call(
                () -> AppUser.<AppUser>list("order by username").stream().map(UserResponse::of).toList());
    }

    @APIResponse(responseCode = "201", description = "The user; Location names it",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = UserResponse.class)))
    @Operation(operationId = "createUser", summary = "Create a user")
    @POST
    public Response create(UserRequest body) {
        if (body == null || body.username() == null || !body.username().matches("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")) {
            throw new InvalidRequestException("username", "must be 1-64 letters, digits, '.', '_', '@' or '-'");
        }
        String role = role(body.role());
        String password = password(body.password());
        AppUser user = QuarkusTransaction.requiringNew().call(() -> {
            AppUser created = new AppUser();
            created.username = body.username();
            created.role = role;
            created.setPassword(password);
            created.createdAt = Instant.now();
            try {
                // The primary key decides, not an earlier look-up: two concurrent creates of one name
                // both find it free, and only the insert tells them apart.
                created.persistAndFlush();
            } catch (ConstraintViolationException exists) {
                throw new InvalidRequestException("username", "user '" + body.username() + "' exists already");
            }
            return created;
        });
        return Response.created(URI.create("/api/users/" + user.username)).entity(UserResponse.of(user)).build();
    }

    /** Changes a user's password and/or role; fields left out stay as they are. */
    @Operation(operationId = "updateUser", summary = "Change a user's role or password")
    @PUT
    @Path("{username}")
    public UserResponse update(@PathParam("username") String username, UserRequest body) {
        if (body == null) {
            throw new InvalidRequestException("body", "give a new password, a new role, or both");
        }
        String role = body.role() == null ? null : role(body.role());
        String password = body.password() == null ? null : password(body.password());
        return QuarkusTransaction.requiringNew().call(() -> {
            List<AppUser> admins = AppUser.lockedAdmins();
            AppUser user = AppUser.lockedByName(username)
                    .orElseThrow(() -> new NotFoundException("user '" + username + "' does not exist"));
            if (role != null && !role.equals(Role.ADMIN) && user.role.equals(Role.ADMIN) && admins.size() <= 1) {
                throw new ConflictException("user '" + username + "' is the last admin");
            }
            if (role != null) {
                user.role = role;
            }
            if (password != null) {
                user.setPassword(password);
            }
            return UserResponse.of(user);
        });
    }

    @APIResponse(responseCode = "204", description = "The user is gone")
    @Operation(operationId = "deleteUser", summary = "Delete a user")
    @DELETE
    @Path("{username}")
    public Response delete(@PathParam("username") String username) {
        QuarkusTransaction.requiringNew().run(() -> {
            List<AppUser> admins = AppUser.lockedAdmins();
            AppUser user = AppUser.lockedByName(username)
                    .orElseThrow(() -> new NotFoundException("user '" + username + "' does not exist"));
            if (user.role.equals(Role.ADMIN) && admins.size() <= 1) {
                throw new ConflictException("user '" + username + "' is the last admin");
            }
            user.delete();
        });
        return Response.noContent().build();
    }

    private static String role(String role) {
        return Role.parse(role).orElseThrow(() -> new InvalidRequestException("role", "must be one of " + Role.all()));
    }

    private static String password(String password) {
        Passwords.problemWith(password).ifPresent(problem -> {
            throw new InvalidRequestException("password", problem);
        });
        return password;
    }
}
