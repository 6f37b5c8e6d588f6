package io.stillpoint.api;

import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.security.Role;
import io.stillpoint.security.SignInThrottle;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * User names and addresses held back by failed sign-ins, and lifting such a lock; admins only. Lifting
 * is a {@code DELETE} naming the user or address in its path, so the audit log says who lifted which.
 */
@Tag(name = "Sign-in locks")
@Path("/api/sign-in/locks")
@RolesAllowed(Role.ADMIN)
public class SignInLockResource {

    private final SignInThrottle throttle;

    SignInLockResource(SignInThrottle throttle) {
        this.throttle = throttle;
    }

    /** Every user name and address with failed sign-ins in the window; {@code until} is set while it is refused. */
    @Operation(operationId = "listSignInLocks", summary = "List the user names and addresses held back by failed sign-ins")
    @GET
    public List<SignInThrottle.Hold> list() {
        return throttle.holds();
    }

    /** Forgets the failed sign-ins of one user name, lifting its lock or delay. */
    @APIResponse(responseCode = "204", description = "The user may sign in again")
    @Operation(operationId = "liftUserSignInLock", summary = "Lift a user name's sign-in hold")
    @DELETE
    @Path("users/{name}")
    public Response liftUser(@PathParam("name") String name) {
        return lift("user", name);
    }

    /** Forgets the failed sign-ins from one address, lifting its lock or delay. */
    @APIResponse(responseCode = "204", description = "The address may sign in again")
    @Operation(operationId = "liftAddressSignInLock", summary = "Lift an address's sign-in hold")
    @DELETE
    @Path("addresses/{address}")
    public Response liftAddress(@PathParam("address") String address) {
        return lift("address", address);
    }

    private Response lift(String kind, String name) {
        if (!throttle.lift(kind, name)) {
            throw new NotFoundException("no failed sign-ins of " + kind + " '" + name + "' are counted");
        }
        return Response.noContent().build();
    }
}
