package io.stillpoint.api;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.boottest.BootTestService;
import io.stillpoint.boottest.UnprovenVm;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.security.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.PathPart;

/**
 * What boot tests kept (their screenshots and serial logs), and the VMs no boot test has proven yet. A test
 * is started, polled and cancelled under its restore point ({@link RestorePointResource}).
 */
@Tag(name = "Boot tests")
@RolesAllowed({Role.VIEWER, Role.OPERATOR, Role.ADMIN})
@Path("/api/boot-tests")
public class BootTestResource {

    private final BootTestService bootTests;

    BootTestResource(BootTestService bootTests) {
        this.bootTests = bootTests;
    }

    @APIResponse(responseCode = "200", description = "The guest's screen when the test ended",
            content = @Content(mediaType = "image/png", schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @Operation(operationId = "getBootTestScreenshot", summary = "Get a boot test's screenshot of the guest's screen (PNG)")
    @GET
    @Path("{id}/screenshot.png")
    public Response screenshot(@PathParam("id") String id) {
        return file(id, BootTestService.SCREENSHOT, "image/png");
    }

    @APIResponse(responseCode = "200", description = "The guest's serial console log",
            content = @Content(mediaType = MediaType.TEXT_PLAIN, schema = @Schema(type = SchemaType.STRING)))
    @Operation(operationId = "getBootTestSerialLog", summary = "Get a boot test's serial console log")
    @GET
    @Path("{id}/serial.log")
    public Response serialLog(@PathParam("id") String id) {
        return file(id, BootTestService.SERIAL_LOG, "text/plain; charset=utf-8");
    }

    /** VMs whose newest restore point has not passed a boot test, for the dashboard. */
    @Operation(operationId = "listUnprovenVms", summary = "List the VMs whose newest restore point has not passed a boot test")
    @GET
    @Path("unproven")
    public List<UnprovenVm> unproven() {
        return QuarkusTransaction.requiringNew().call(UnprovenVm::list);
    }

    private Response file(String id, String name, String type) {
        UUID testId = Ids.path("boot test", id);
        java.nio.file.Path file = bootTests.file(testId, name).orElseThrow(
                () -> new NotFoundException("boot test " + testId + " kept no " + name));
        try {
            long size = java.nio.file.Files.size(file);
            return Response.ok(new PathPart(file, 0, size)).type(type).header("Cache-Control", "no-store").build();
        } catch (java.io.IOException e) {
            throw new NotFoundException("boot test " + testId + " kept no " + name);
        }
    }
}
