package io.stillpoint.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.security.identity.SecurityIdentity;
import io.stillpoint.api.dto.CreateVmRequest;
import io.stillpoint.api.dto.HostRefreshResponse;
import io.stillpoint.api.dto.HostRequest;
import io.stillpoint.api.dto.HostResponse;
import io.stillpoint.api.dto.RegisterVmRequest;
import io.stillpoint.api.dto.VmResponse;
import io.stillpoint.catalog.Host;
import io.stillpoint.catalog.Vm;
import io.stillpoint.host.GuestSpec;
import io.stillpoint.inventory.HostRefresh;
import io.stillpoint.inventory.Inventory;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.security.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Valid;
import jakarta.validation.Validator;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Tag(name = "Hosts")
@RolesAllowed({Role.VIEWER, Role.OPERATOR, Role.ADMIN})
@Path("/api/hosts")
public class HostResource {

    private final Inventory inventory;
    private final HostRefresh refresh;
    private final VmViews views;
    private final Validator validator;
    private final ObjectMapper json;
    private final SecurityIdentity identity;

    HostResource(Inventory inventory, HostRefresh refresh, VmViews views, Validator validator, ObjectMapper json,
            SecurityIdentity identity) {
        this.inventory = inventory;
        this.refresh = refresh;
        this.views = views;
        this.validator = validator;
        this.json = json;
        this.identity = identity;
    }

    /** Settings that hold credentials are shown to admins only, who set them. */
    @Operation(operationId = "listHosts", summary = "List the hosts")
    @GET
    public List<HostResponse> list() {
        boolean admin = identity.hasRole(Role.ADMIN);
        return QuarkusTransaction.requiringNew().call(
                () -> Host.<Host>list("order by name").stream().map(h -> HostResponse.of(h, admin)).toList());
    }

    @Operation(operationId = "getHost", summary = "Get one host")
    @GET
    @Path("{id}")
    public HostResponse get(@PathParam("id") String id) {
        UUID hostId = Ids.path("host", id);
        boolean admin = identity.hasRole(Role.ADMIN);
        return QuarkusTransaction.requiringNew().call(() -> HostResponse.of(
                Host.byId(hostId).orElseThrow(() -> new NotFoundException("host", hostId)), admin));
    }

    /** Creates the host and lists its guests into the catalog (see {@code lastRefreshError} if it could not). */
    @APIResponse(responseCode = "201", description = "The host, registered; Location names it",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = HostResponse.class)))
    @Operation(operationId = "createHost", summary = "Add a host (simulated, qemu, libvirt or hyperv)")
    @RolesAllowed(Role.ADMIN)
    @POST
    public Response create(@Valid @NotNull HostRequest body) {
        Host host = inventory.createHost(body.name(), body.type(), body.settings() == null ? Map.of() : body.settings());
        return Response.created(URI.create("/api/hosts/" + host.id)).entity(HostResponse.of(host, true)).build();
    }

    /**
     * Brings the catalog in step with the host's guests now: new ones added, vanished ones marked (never
     * deleted), and answers what changed; a host that cannot be listed changes nothing and says why.
     */
    @Operation(operationId = "refreshHost", summary = "Refresh a host's guests now")
    @RolesAllowed({Role.OPERATOR, Role.ADMIN})
    @POST
    @Path("{id}/refresh")
    public HostRefreshResponse refresh(@PathParam("id") String id) {
        return HostRefreshResponse.of(refresh.refresh(Ids.path("host", id)));
    }

    /**
     * Creates a guest on a host that creates guests (the simulated host), or, when the body names a {@code
     * qmpSocket}, registers a running guest on a host that registers them (QEMU).
     */
    @APIResponse(responseCode = "201", description = "The VM, created or registered; Location names it",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = VmResponse.class)))
    @Operation(operationId = "createVm", summary = "Create or register a guest on a host")
    @RolesAllowed(Role.ADMIN)
    @POST
    @Path("{id}/vms")
    public Response createVm(@PathParam("id") String id, @RequestBody(required = true, content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(oneOf = {CreateVmRequest.class, RegisterVmRequest.class}),
            examples = {
                @ExampleObject(name = "create", summary = "Create a guest (simulated host)", value = "{\"name\": \"web01\","
                        + " \"diskSizeBytes\": 1073741824, \"memoryBytes\": 536870912, \"guestOs\": \"Linux\"}"),
                @ExampleObject(name = "register", summary = "Register a running guest by its QMP socket (QEMU host)",
                        value = "{\"qmpSocket\": \"/run/stillpoint/db01.qmp\", \"guestAgentSocket\":"
                        + " \"/run/stillpoint/db01.qga\", \"name\": \"db01\"}")}))
            @NotNull ObjectNode body) throws JsonProcessingException {
        UUID hostId = Ids.path("host", id);
        Vm vm;
        if (body.has("qmpSocket")) {
            RegisterVmRequest register = valid(json.treeToValue(body, RegisterVmRequest.class));
            Map<String, String> settings = new HashMap<>();
            settings.put("qmpSocket", register.qmpSocket());
            putIfPresent(settings, "guestAgentSocket", register.guestAgentSocket());
            putIfPresent(settings, "pidFile", register.pidFile());
            putIfPresent(settings, "name", register.name());
            vm = inventory.registerGuest(hostId, settings);
        } else {
            CreateVmRequest create = valid(json.treeToValue(body, CreateVmRequest.class));
            vm = inventory.createGuest(hostId, new GuestSpec(create.name(), List.of(create.diskSizeBytes()),
                    create.memoryBytes(), create.guestOs() == null ? "Linux" : create.guestOs(), create.canQuiesce()));
        }
        return Response.created(URI.create("/api/vms/" + vm.id)).entity(views.of(vm)).build();
    }

    /** The body's shape depends on what it asks for, so it is validated once that is known. */
    private <T> T valid(T request) {
        Set<ConstraintViolation<T>> violations = validator.validate(request);
        if (!violations.isEmpty()) {
            throw new ConstraintViolationException(violations);
        }
        return request;
    }

    private static void putIfPresent(Map<String, String> settings, String key, String value) {
        if (value != null && !value.isBlank()) {
            settings.put(key, value);
        }
    }
}
