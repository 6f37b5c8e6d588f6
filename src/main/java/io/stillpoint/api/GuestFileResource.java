package io.stillpoint.api;

import io.quarkus.security.identity.SecurityIdentity;
import io.stillpoint.api.dto.GuestRestoreRequestBody;
import io.stillpoint.guestfiles.ApplianceStartingException;
import io.stillpoint.guestfiles.AppliancesBusyException;
import io.stillpoint.guestfiles.GuestFileSystem;
import io.stillpoint.guestfiles.GuestFiles;
import io.stillpoint.guestfiles.GuestFsException;
import io.stillpoint.guestfiles.GuestListing;
import io.stillpoint.guestfiles.GuestPath;
import io.stillpoint.guestfiles.GuestRestore;
import io.stillpoint.guestfiles.GuestRestores;
import io.stillpoint.guestfiles.TooManyOpenFilesException;
import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.security.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * A restore point's disks as the guest saw them, read inside a libguestfs appliance: the file systems, a
 * folder's entries, one file (with {@code Range}), a folder as a tar. The first call on a point starts its
 * appliance and answers {@code 202} with a {@code Retry-After} while it starts (tens of seconds without KVM);
 * the calls after it share that appliance. A point whose last verify failed is read only with
 * {@code force=true}.
 */
@Tag(name = "Guest files")
@RolesAllowed({Role.VIEWER, Role.OPERATOR, Role.ADMIN})
@Path("/api/restore-points/{id}/guest")
public class GuestFileResource {

    private static final Logger LOG = Logger.getLogger(GuestFileResource.class);
    private static final int MAX_PAGE = 10_000;
    private static final String APPLIANCE_STARTING = "The point's appliance is starting: ask again after Retry-After seconds";

    private final GuestFiles guestFiles;
    private final GuestRestores restores;
    private final SecurityIdentity identity;

    GuestFileResource(GuestFiles guestFiles, GuestRestores restores, SecurityIdentity identity) {
        this.guestFiles = guestFiles;
        this.restores = restores;
        this.identity = identity;
    }

    /** Whether the point's appliance runs; starts nothing. */
    public record ApplianceStatus(@Schema(enumeration = {"stopped", "starting", "ready"}) String status) {}

    @Operation(operationId = "getGuestFilesStatus", summary = "Get the state of the appliance reading a restore point's disks")
    @GET
    @Path("status")
    public ApplianceStatus status(@PathParam("id") String id) {
        return new ApplianceStatus(guestFiles.applianceStatus(Ids.path("restore point", id)));
    }

    @APIResponse(responseCode = "200", description = "The file systems, with why one cannot be opened",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(type = SchemaType.ARRAY, implementation = GuestFileSystem.class)))
    @APIResponse(responseCode = "202", description = APPLIANCE_STARTING,
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApplianceStarting.class)))
    @Operation(operationId = "listGuestFileSystems", summary = "List the file systems on a restore point's disks")
    @GET
    @Path("filesystems")
    public List<GuestFileSystem> fileSystems(@PathParam("id") String id,
            @QueryParam("force") @DefaultValue("false") boolean force) {
        return guestFiles.fileSystems(Ids.path("restore point", id), force);
    }

    /** One folder's entries in name order, {@code limit} at most from {@code offset}. */
    @APIResponse(responseCode = "200", description = "The folder's entries",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = GuestListing.class)))
    @APIResponse(responseCode = "202", description = APPLIANCE_STARTING,
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApplianceStarting.class)))
    @Operation(operationId = "listGuestFiles", summary = "List one folder of a guest file system")
    @GET
    @Path("files")
    public GuestListing files(@PathParam("id") String id, @QueryParam("fs") String fs,
            @QueryParam("path") @DefaultValue("/") String path, @QueryParam("limit") @DefaultValue("1000") int limit,
            @QueryParam("offset") @DefaultValue("0") int offset, @QueryParam("force") @DefaultValue("false") boolean force) {
        UUID pointId = Ids.path("restore point", id);
        requireFs(fs);
        if (limit < 1 || limit > MAX_PAGE) {
            throw new InvalidRequestException("limit", "must be between 1 and " + MAX_PAGE);
        }
        if (offset < 0) {
            throw new InvalidRequestException("offset", "must not be negative");
        }
        return guestFiles.list(pointId, fs, GuestPath.parse("path", path), offset, limit, force);
    }

    /** One file of the guest, whole or one {@code Range} of bytes. */
    @APIResponse(responseCode = "200", description = "The file",
            content = @Content(mediaType = "application/octet-stream",
                    schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "206", description = "The range asked for (Range: bytes=...)",
            content = @Content(mediaType = "application/octet-stream",
                    schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "202", description = APPLIANCE_STARTING,
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApplianceStarting.class)))
    @Operation(operationId = "downloadGuestFile", summary = "Download one file from a guest file system (ranges supported)")
    @GET
    @Path("file")
    public Response file(@PathParam("id") String id, @QueryParam("fs") String fs, @QueryParam("path") String path,
            @QueryParam("force") @DefaultValue("false") boolean force, @HeaderParam("Range") String range) {
        UUID pointId = Ids.path("restore point", id);
        requireFs(fs);
        GuestPath guestPath = GuestPath.parse("path", path);
        GuestFiles.OpenFile open = guestFiles.openFile(pointId, fs, guestPath, force);
        try {
            long size = open.size();
            RestorePointResource.ByteRange bytes = size == 0 ? null : RestorePointResource.ByteRange.parse(range, size);
            long first = bytes == null ? 0 : bytes.first();
            long length = bytes == null ? size : bytes.length();
            StreamingOutput body = out -> {
                try (open) {
                    guestFiles.stream(open, first, length, out);
                }
            };
            Response.ResponseBuilder response = bytes == null ? Response.ok(body)
                    : Response.status(206).entity(body)
                            .header("Content-Range", "bytes " + bytes.first() + "-" + bytes.last() + "/" + size);
            return response.type("application/octet-stream")
                    .header(HttpHeaders.CONTENT_LENGTH, length)
                    .header("Accept-Ranges", "bytes")
                    .header("Content-Disposition", RestorePointResource.attachment(open.name()))
                    .build();
        } catch (RuntimeException e) {
            open.close();
            throw e;
        }
    }

    /** A folder of the guest as a tar (numeric owners, modes, times, xattrs and ACLs), streamed as it is read. */
    @APIResponse(responseCode = "200", description = "The folder as a tar stream",
            content = @Content(mediaType = "application/x-tar",
                    schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "202", description = APPLIANCE_STARTING,
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApplianceStarting.class)))
    @Operation(operationId = "downloadGuestFolder", summary = "Download a guest folder as a tar stream")
    @GET
    @Path("archive")
    public Response archive(@PathParam("id") String id, @QueryParam("fs") String fs, @QueryParam("path") String path,
            @QueryParam("force") @DefaultValue("false") boolean force) {
        UUID pointId = Ids.path("restore point", id);
        requireFs(fs);
        GuestFiles.OpenFolder open = guestFiles.openFolder(pointId, fs, GuestPath.parse("path", path), force);
        StreamingOutput body = out -> {
            try (open) {
                guestFiles.stream(open, out);
            }
        };
        return Response.ok(body).type("application/x-tar")
                .header("Content-Disposition", RestorePointResource.attachment(open.name() + ".tar"))
                .build();
    }

    /**
     * Restores chosen files and folders to a new folder under the restore roots, keeping owner, mode, times
     * and xattrs; answers 202 with the restore to poll ({@code /api/guest-restores/{id}}), which waits for the
     * appliance if it is starting.
     */
    @APIResponse(responseCode = "202", description = "The guest file restore, started; follow it at Location",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = GuestRestore.class)))
    @Operation(operationId = "restoreGuestFiles", summary = "Restore files and folders from a guest file system to a path")
    @RolesAllowed({Role.OPERATOR, Role.ADMIN})
    @POST
    @Path("restore")
    public Response restore(@PathParam("id") String id, GuestRestoreRequestBody body) {
        UUID pointId = Ids.path("restore point", id);
        if (body == null) {
            throw new InvalidRequestException("paths", "is required: the guest's files and folders to restore");
        }
        if (body.target() != null && !body.target().equals("path")) {
            throw new InvalidRequestException("target", "'" + body.target() + "' is not a target of a guest file"
                    + " restore; the one target is 'path', a new folder under the restore roots");
        }
        if (body.path() == null || body.path().isBlank()) {
            throw new InvalidRequestException("path", "is required: the new folder under the restore roots");
        }
        GuestRestore started = restores.start(pointId, body.fs(), body.paths(), body.path(), body.force(),
                identity.getPrincipal().getName());
        return Response.accepted(started).location(URI.create("/api/guest-restores/" + started.id())).build();
    }

    private static void requireFs(String fs) {
        if (fs == null || fs.isBlank()) {
            throw new InvalidRequestException("fs", "is required: a device from .../guest/filesystems, e.g. /dev/sda1");
        }
    }

    /** The answer while a point's appliance starts; {@code status} tells it from the answer asked for. */
    public record ApplianceStarting(
            @Schema(enumeration = "starting") String status, String detail, long retryAfterSeconds) {}

    /** Not an error: the appliance is on its way; the body says so and {@code Retry-After} says when to ask again. */
    @ServerExceptionMapper
    public Response starting(ApplianceStartingException e) {
        return Response.accepted(new ApplianceStarting("starting", e.getMessage(), e.retryAfterSeconds()))
                .header("Retry-After", e.retryAfterSeconds())
                .build();
    }

    @ServerExceptionMapper
    public Response busy(AppliancesBusyException e, UriInfo uri) {
        return problem(503, e.getMessage(), uri).header("Retry-After", 10).build();
    }

    /** No appliance starts while libguestfs could abort the server; the count falls as connections close. */
    @ServerExceptionMapper
    public Response tooManyOpenFiles(TooManyOpenFilesException e, UriInfo uri) {
        return problem(503, e.getMessage(), uri).header("Retry-After", 30).build();
    }

    /** The appliance failed (or libguestfs is missing): the server's side, said in libguestfs's words. */
    @ServerExceptionMapper
    public Response failed(GuestFsException e, UriInfo uri) {
        LOG.errorf("guest files at %s: %s", uri.getPath(), e.getMessage());
        return problem(503, e.getMessage(), uri).build();
    }

    private static Response.ResponseBuilder problem(int status, String detail, UriInfo uri) {
        Response.Status known = Response.Status.fromStatusCode(status);
        return Response.status(status).type(ProblemMapper.PROBLEM_JSON)
                .entity(new Problem("about:blank", known.getReasonPhrase(), status, detail, uri.getPath(), null));
    }
}
