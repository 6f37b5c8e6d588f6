package io.stillpoint.api;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.api.dto.CreateVmRequest;
import io.stillpoint.api.dto.HostRequest;
import io.stillpoint.api.dto.HostResponse;
import io.stillpoint.api.dto.VmResponse;
import io.stillpoint.catalog.Host;
import io.stillpoint.catalog.Vm;
import io.stillpoint.host.GuestSpec;
import io.stillpoint.inventory.Inventory;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.security.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;

@RolesAllowed({Role.VIEWER, Role.OPERATOR, Role.ADMIN})
@Path("/api/hosts")
public class HostResource {

    private final Inventory inventory;
    private final VmViews views;

    HostResource(Inventory inventory, VmViews views) {
        this.inventory = inventory;
        this.views = views;
    }

    @GET
    public List<HostResponse> list() {
        return QuarkusTransaction.requiringNew().call(
                () -> Host.<Host>list("order by name").stream().map(HostResponse::of).toList());
    }

    @GET
    @Path("{id}")
    public HostResponse get(@PathParam("id") String id) {
        UUID hostId = Ids.path("host", id);
        return QuarkusTransaction.requiringNew().call(() -> HostResponse.of(
                Host.byId(hostId).orElseThrow(() -> new NotFoundException("host", hostId))));
    }

    @RolesAllowed(Role.ADMIN)
    @POST
    public Response create(@Valid @NotNull HostRequest body) {
        Host host = inventory.createHost(body.name(), body.type(), body.settings() == null ? Map.of() : body.settings());
        return Response.created(URI.create("/api/hosts/" + host.id)).entity(HostResponse.of(host)).build();
    }

    /** Creates a guest on a host that can create guests (the simulated host). */
    @RolesAllowed(Role.ADMIN)
    @POST
    @Path("{id}/vms")
    public Response createVm(@PathParam("id") String id, @Valid @NotNull CreateVmRequest body) {
        UUID hostId = Ids.path("host", id);
        Vm vm = inventory.createGuest(hostId, new GuestSpec(body.name(), List.of(body.diskSizeBytes()),
                body.memoryBytes(), body.guestOs() == null ? "Linux" : body.guestOs(), body.canQuiesce()));
        return Response.created(URI.create("/api/vms/" + vm.id)).entity(views.of(vm)).build();
    }
}
