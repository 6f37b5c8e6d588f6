package io.stillpoint.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.security.identity.SecurityIdentity;
import io.stillpoint.api.dto.BootTestRequest;
import io.stillpoint.api.dto.BootTestResponse;
import io.stillpoint.api.dto.FileResponse;
import io.stillpoint.api.dto.RestorePointResponse;
import io.stillpoint.api.dto.RestorePointSummary;
import io.stillpoint.api.dto.RestoreRequestBody;
import io.stillpoint.api.dto.RestoreResponse;
import io.stillpoint.backup.Consistency;
import io.stillpoint.backup.RestorePointDeleter;
import io.stillpoint.boottest.BootTest;
import io.stillpoint.boottest.BootTestService;
import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.catalog.Keyset;
import io.stillpoint.catalog.PageRequest;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.catalog.Vm;
import io.stillpoint.copy.EntryType;
import io.stillpoint.inventory.ConflictException;
import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.repository.Manifest;
import io.stillpoint.repository.ManifestCodec;
import io.stillpoint.repository.ManifestEntry;
import io.stillpoint.repository.RepositoryLayout;
import io.stillpoint.repository.RestorePointUnreadableException;
import io.stillpoint.restore.RestoreRequest;
import io.stillpoint.restore.RestoreService;
import io.stillpoint.restore.RestoreTarget;
import io.stillpoint.restore.VerifyService;
import io.stillpoint.security.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.SchemaProperty;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.PathPart;
import org.jboss.resteasy.reactive.RestResponse;

@Tag(name = "Restore points")
@RolesAllowed({Role.VIEWER, Role.OPERATOR, Role.ADMIN})
@Path("/api/restore-points")
public class RestorePointResource {

    private static final int MAX_PAGE = 10_000;

    private final RestoreService restores;
    private final VerifyService verifier;
    private final RestorePointDeleter deleter;
    private final SecurityIdentity identity;
    private final BootTestService bootTests;

    RestorePointResource(RestoreService restores, VerifyService verifier, RestorePointDeleter deleter,
            SecurityIdentity identity, BootTestService bootTests) {
        this.identity = identity;
        this.bootTests = bootTests;
        this.restores = restores;
        this.verifier = verifier;
        this.deleter = deleter;
    }

    /**
     * Newest first, one page ({@link Paging}); {@code vmId}, {@code consistency}, {@code verifyStatus} ({@code OK},
     * {@code FAILED}, {@code RUNNING}), {@code protected} and {@code since}/{@code until} (the point's instant)
     * narrow it.
     */
    @Operation(operationId = "listRestorePoints", summary = "List restore points, newest first")
    @GET
    public RestResponse<List<RestorePointSummary>> list(@QueryParam("vmId") String vmId,
            @QueryParam("consistency") String consistency, @QueryParam("verifyStatus") String verifyStatus,
            @QueryParam("protected") String isProtected, @QueryParam("since") String since,
            @QueryParam("until") String until, @QueryParam("limit") String limit, @QueryParam("after") String after,
            @Context UriInfo uri) {
        Keyset<RestorePoint> query = Keyset.of(RestorePoint.class, "createdAt")
                .where("vmId", Ids.field("vmId", vmId))
                .where("consistency", oneOf("consistency", consistency, CONSISTENCIES))
                .where("verifyStatus", oneOf("verifyStatus", verifyStatus, VERIFY_STATUSES))
                .where("isProtected", flag("protected", isProtected))
                .between(Paging.instant("since", since), Paging.instant("until", until));
        PageRequest page = Paging.request(limit, after);
        return QuarkusTransaction.requiringNew().call(() -> Paging.answer(query.fetch(page), page, p -> p.createdAt,
                p -> p.id, RestorePointResource::summaries, uri));
    }

    private static final List<String> CONSISTENCIES = java.util.Arrays.stream(Consistency.values()).map(Consistency::id).toList();
    private static final List<String> VERIFY_STATUSES = List.of("OK", "FAILED", "RUNNING");

    private static String oneOf(String field, String raw, List<String> values) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        if (!values.contains(raw)) {
            throw new InvalidRequestException(field, "'" + raw + "' is not one of " + values);
        }
        return raw;
    }

    private static Boolean flag(String field, String raw) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        if (!raw.equals("true") && !raw.equals("false")) {
            throw new InvalidRequestException(field, "'" + raw + "' is not true or false");
        }
        return Boolean.valueOf(raw);
    }

    /** The page's VM names and boot test statuses in one query each, not one per point. */
    private static List<RestorePointSummary> summaries(List<RestorePoint> points) {
        Map<UUID, String> names = Vm.namesOf(points.stream().map(p -> p.vmId).collect(Collectors.toSet()));
        Map<UUID, String> bootTests = BootTest.newestStatusOf(points.stream().map(p -> p.id).toList());
        return points.stream().map(p -> RestorePointSummary.of(p, names.get(p.vmId), bootTests.get(p.id))).toList();
    }

    @Operation(operationId = "getRestorePoint", summary = "Get one restore point")
    @GET
    @Path("{id}")
    public RestorePointResponse get(@PathParam("id") String id) {
        UUID pointId = Ids.path("restore point", id);
        return QuarkusTransaction.requiringNew().call(() -> {
            RestorePoint p = RestorePoint.byId(pointId).orElseThrow(() -> new NotFoundException("restore point", pointId));
            return RestorePointResponse.of(p, Vm.byId(p.vmId).map(v -> v.name).orElse(null),
                    BootTest.newestOf(p.id).orElse(null));
        });
    }

    /**
     * The VM's files in the restore point, with paths relative to the VM's folder, in path order: those
     * starting with {@code prefix}, {@code limit} at most from {@code offset}.
     */
    @Operation(operationId = "listRestorePointFiles", summary = "List the files of a restore point's VM folder")
    @GET
    @Path("{id}/files")
    public List<FileResponse> files(@PathParam("id") String id, @QueryParam("prefix") @DefaultValue("") String prefix,
            @QueryParam("limit") @DefaultValue("1000") int limit, @QueryParam("offset") @DefaultValue("0") int offset) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new InvalidRequestException("limit", "must be between 1 and " + MAX_PAGE);
        }
        if (offset < 0) {
            throw new InvalidRequestException("offset", "must not be negative");
        }
        Located point = locate(Ids.path("restore point", id));
        String files = RepositoryLayout.FILES + "/";
        String algorithm = point.manifest().digestAlgorithm();
        return point.manifest().entries().stream()
                .filter(e -> e.path().startsWith(files + prefix))
                .map(e -> FileResponse.of(e.path().substring(files.length()), e, algorithm))
                .skip(offset)
                .limit(limit)
                .toList();
    }

    /**
     * One file of the restore point, for a single-file restore: its {@code ETag} is its digest, and a
     * {@code Range} of bytes may be asked for. A restore point whose last verify failed holds files whose
     * bytes may differ from their digests: such a file is served only with {@code force=true}, and then
     * without an {@code ETag}, since the digest would name other bytes.
     */
    @APIResponse(responseCode = "200", description = "The file",
            content = @Content(mediaType = "application/octet-stream",
                    schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "206", description = "The range asked for (Range: bytes=...)",
            content = @Content(mediaType = "application/octet-stream",
                    schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @Operation(operationId = "downloadRestorePointFile", summary = "Download one file of a restore point's VM folder")
    @GET
    @Path("{id}/files/{path: .+}")
    public Response download(@PathParam("id") String id, @PathParam("path") String path,
            @QueryParam("force") @DefaultValue("false") boolean force,
            @HeaderParam(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch, @HeaderParam("Range") String range) {
        Located point = locate(Ids.path("restore point", id));
        String wanted = RepositoryLayout.FILES + "/" + path;
        ManifestEntry entry = point.manifest().entries().stream()
                .filter(e -> e.path().equals(wanted) && e.type() == EntryType.FILE)
                .findFirst()
                .orElseThrow(() -> new NotFoundException("restore point " + id + " holds no file '" + path + "'"));
        boolean failedVerify = VerifyService.FAILED.equals(point.verifyStatus());
        if (failedVerify && !force) {
            throw new ConflictException("restore point " + id + " failed its last verification ("
                    + point.verifyProblems() + "); add force=true to download '" + path + "' anyway");
        }
        String etag = failedVerify ? null : "\"" + entry.sha256() + "\"";
        if (etag != null && etag.equals(ifNoneMatch)) {
            return Response.notModified().tag(entry.sha256()).build();
        }
        java.nio.file.Path file = point.directory().resolve(entry.path());
        String name = java.nio.file.Path.of(path).getFileName().toString();
        Response.ResponseBuilder response;
        ByteRange bytes = ByteRange.parse(range, entry.size());
        if (bytes == null) {
            response = Response.ok(new PathPart(file, 0, entry.size())).header(HttpHeaders.CONTENT_LENGTH, entry.size());
        } else {
            response = Response.status(206)
                    .entity(new PathPart(file, bytes.first(), bytes.length()))
                    .header(HttpHeaders.CONTENT_LENGTH, bytes.length())
                    .header("Content-Range", "bytes " + bytes.first() + "-" + bytes.last() + "/" + entry.size());
        }
        return response.type("application/octet-stream")
                .header("ETag", etag)
                .header("Accept-Ranges", "bytes")
                .header("Content-Disposition", attachment(name))
                .build();
    }

    /**
     * RFC 6266: a plain ASCII name for old clients, and the exact name in {@code filename*}. A guest's file
     * name may hold quotes, control characters or any Unicode; none of it may reach the header as is.
     */
    static String attachment(String name) {
        StringBuilder ascii = new StringBuilder();
        name.codePoints().forEach(c -> ascii.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? (char) c : '_'));
        StringBuilder exact = new StringBuilder();
        for (byte b : name.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            boolean plain = c < 0x80 && (Character.isLetterOrDigit(c) || "!#$&+-.^_`|~".indexOf(c) >= 0);
            exact.append(plain ? String.valueOf((char) c) : String.format("%%%02X", c));
        }
        return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + exact;
    }

    /*
     * Boot tests: the point's disks started in a sandbox to prove they boot. Start answers 202 with the test;
     * poll GET .../boot-test (or the point itself, whose bootTest is the newest test) until its status is no
     * longer RUNNING.
     */

    /** Body (optional): {@code {"checkCommand": ["/bin/true"], "serialPattern": "login:", "timeoutSeconds": 120}}. */
    @APIResponse(responseCode = "202", description = "The boot test, started",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = BootTestResponse.class)))
    @Operation(operationId = "startBootTest", summary = "Start a boot test of a restore point")
    @RolesAllowed({Role.OPERATOR, Role.ADMIN})
    @POST
    @Path("{id}/boot-test")
    public Response start(@PathParam("id") String id, BootTestRequest body) {
        UUID pointId = Ids.path("restore point", id);
        BootTestService.Options options = body == null ? null
                : new BootTestService.Options(body.checkCommand(), body.serialPattern(), body.timeoutSeconds());
        BootTest test = bootTests.start(pointId, options, identity.getPrincipal().getName());
        return Response.accepted(BootTestResponse.of(test))
                .location(URI.create("/api/restore-points/" + pointId + "/boot-test")).build();
    }

    /** The point's newest boot test; 404 when it has none. */
    @Operation(operationId = "getBootTest", summary = "Get a restore point's newest boot test")
    @GET
    @Path("{id}/boot-test")
    public BootTestResponse newest(@PathParam("id") String id) {
        UUID pointId = Ids.path("restore point", id);
        return BootTestResponse.of(bootTests.newest(pointId).orElseThrow(
                () -> new NotFoundException("restore point " + pointId + " has no boot test")));
    }

    /** Cancels the point's running test: its sandbox is stopped and its overlays removed before this answers. */
    @Operation(operationId = "cancelBootTest", summary = "Cancel a restore point's running boot test")
    @RolesAllowed({Role.OPERATOR, Role.ADMIN})
    @DELETE
    @Path("{id}/boot-test")
    public BootTestResponse cancel(@PathParam("id") String id) {
        return BootTestResponse.of(bootTests.cancel(Ids.path("restore point", id), identity.getPrincipal().getName()));
    }

    /** Protected restore points are never pruned by retention nor deleted. Body: {@code {"protected": true}}. */
    @Operation(operationId = "setRestorePointProtected", summary = "Protect a restore point from retention, or release it")
    @RolesAllowed({Role.OPERATOR, Role.ADMIN})
    @PUT
    @Path("{id}/protected")
    public RestorePointResponse protect(@PathParam("id") String id, @RequestBody(required = true, content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.OBJECT, requiredProperties = "protected",
                    properties = @SchemaProperty(name = "protected", type = SchemaType.BOOLEAN),
                    example = "{\"protected\": true}"))) Map<String, Boolean> body) {
        UUID pointId = Ids.path("restore point", id);
        if (body == null || body.get("protected") == null) {
            throw new InvalidRequestException("protected", "is required: true or false");
        }
        return QuarkusTransaction.requiringNew().call(() -> {
            RestorePoint p = RestorePoint.byId(pointId).orElseThrow(() -> new NotFoundException("restore point", pointId));
            p.isProtected = body.get("protected");
            return RestorePointResponse.of(p, Vm.byId(p.vmId).map(v -> v.name).orElse(null));
        });
    }

    /** Deletes a restore point: the catalog first, then its files. Refused for a protected one (409). */
    @APIResponse(responseCode = "204", description = "The restore point is gone from the catalog and its files removed")
    @Operation(operationId = "deleteRestorePoint", summary = "Delete a restore point")
    @RolesAllowed({Role.OPERATOR, Role.ADMIN})
    @DELETE
    @Path("{id}")
    public Response delete(@PathParam("id") String id) {
        UUID pointId = Ids.path("restore point", id);
        if (QuarkusTransaction.requiringNew().call(() -> BootTest.runningOf(pointId).isPresent())) {
            throw new ConflictException("restore point " + pointId + " is being boot-tested; cancel the test first");
        }
        deleter.delete(pointId);
        bootTests.forget(pointId);
        return Response.noContent().build();
    }

    /** Re-reads every file against the manifest in the background; poll the restore point's verifyStatus. */
    @APIResponse(responseCode = "202", description = "The verify, started; the point shows its status",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RestorePointResponse.class)))
    @Operation(operationId = "verifyRestorePoint", summary = "Verify a restore point's files against its manifest")
    @RolesAllowed({Role.OPERATOR, Role.ADMIN})
    @POST
    @Path("{id}/verify")
    public Response verify(@PathParam("id") String id) {
        RestorePoint point = verifier.start(Ids.path("restore point", id));
        return Response.accepted(RestorePointResponse.of(point, null))
                .location(URI.create("/api/restore-points/" + point.id)).build();
    }

    /**
     * Starts a restore; answers 202 with the restore to poll. With an {@code Idempotency-Key} the same
     * request within 24 hours answers the restore it started the first time.
     */
    @APIResponse(responseCode = "202", description = "The restore, queued; follow it at Location",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RestoreResponse.class)))
    @Operation(operationId = "restoreRestorePoint", summary = "Restore a restore point in place, to a path or as a new VM")
    @RolesAllowed({Role.OPERATOR, Role.ADMIN})
    @POST
    @Path("{id}/restore")
    public Response restore(@PathParam("id") String id, @HeaderParam("Idempotency-Key") String idempotencyKey,
            RestoreRequestBody body) {
        UUID pointId = Ids.path("restore point", id);
        if (body == null || body.target() == null) {
            throw new InvalidRequestException("target", "is required; one of " + RestoreTarget.ids());
        }
        RestoreTarget target = RestoreTarget.parse(body.target()).orElseThrow(() -> new InvalidRequestException("target",
                "'" + body.target() + "' is not a target; targets are " + RestoreTarget.ids()));
        if (target == RestoreTarget.PATH && (body.path() == null || body.path().isBlank())) {
            throw new InvalidRequestException("path", "is required for target 'path'");
        }
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > 255)) {
            throw new InvalidRequestException("Idempotency-Key", "must be 1 to 255 characters");
        }
        RestoreService.Accepted accepted = restores.request(new RestoreRequest(pointId, target, body.path(),
                body.hostId(), body.name(), body.startAfter(), body.stopVm(), body.keepPrevious(), body.force(),
                identity.getPrincipal().getName(), idempotencyKey));
        return Response.accepted(RestoreResponse.of(accepted.restore(), null))
                .location(URI.create("/api/restores/" + accepted.restore().id))
                .build();
    }

    private record Located(java.nio.file.Path directory, Manifest manifest, String verifyStatus, String verifyProblems) {}

    private record Cataloged(java.nio.file.Path directory, String verifyStatus, String verifyProblems) {}

    /**
     * The restore point's folder and manifest. A manifest that is gone or broken is the repository's fault,
     * not the request's: it is reported as such, naming the restore point, and never as bad input.
     */
    private static Located locate(UUID pointId) {
        Cataloged point = QuarkusTransaction.requiringNew().call(() -> {
            RestorePoint p = RestorePoint.byId(pointId).orElseThrow(() -> new NotFoundException("restore point", pointId));
            BackupRepository repository = BackupRepository.byId(p.repositoryId).orElseThrow();
            return new Cataloged(new RepositoryLayout(repository.root()).resolve(p.relativePath), p.verifyStatus,
                    p.verifyProblems);
        });
        java.nio.file.Path file = point.directory().resolve(RepositoryLayout.MANIFEST);
        Manifest manifest;
        try {
            manifest = ManifestCodec.read(file);
        } catch (NoSuchFileException e) {
            throw new RestorePointUnreadableException(pointId, RepositoryLayout.MANIFEST + " is missing", e);
        } catch (JsonProcessingException e) {
            throw new RestorePointUnreadableException(pointId, RepositoryLayout.MANIFEST + " is not a valid manifest: "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new RestorePointUnreadableException(pointId, RepositoryLayout.MANIFEST + " cannot be read: "
                    + e.getMessage(), e);
        }
        return new Located(point.directory(), manifest, point.verifyStatus(), point.verifyProblems());
    }

    /** A single {@code bytes=first-last}, {@code bytes=first-} or {@code bytes=-suffix} range. */
    record ByteRange(long first, long last) {

        long length() {
            return last - first + 1;
        }

        static ByteRange parse(String header, long size) {
            if (header == null || header.isBlank()) {
                return null;
            }
            String spec = header.trim();
            if (!spec.startsWith("bytes=") || spec.contains(",")) {
                throw new RangeNotSatisfiableException(header, size);
            }
            String[] bounds = spec.substring("bytes=".length()).split("-", -1);
            try {
                long first;
                long last;
                if (bounds[0].isEmpty()) {
                    long suffix = Long.parseLong(bounds[1]);
                    first = Math.max(0, size - suffix);
                    last = size - 1;
                } else {
                    first = Long.parseLong(bounds[0]);
                    last = bounds[1].isEmpty() ? size - 1 : Math.min(Long.parseLong(bounds[1]), size - 1);
                }
                if (first < 0 || first > last || first >= size) {
                    throw new RangeNotSatisfiableException(header, size);
                }
                return new ByteRange(first, last);
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                throw new RangeNotSatisfiableException(header, size);
            }
        }
    }
}
