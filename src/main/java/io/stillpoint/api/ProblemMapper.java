package io.stillpoint.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.quarkus.hibernate.validator.runtime.jaxrs.ResteasyReactiveViolationException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.stillpoint.fs.UnsafePathException;
import io.stillpoint.host.GuestNotFoundException;
import io.stillpoint.host.InvalidHostSettingsException;
import io.stillpoint.inventory.ConflictException;
import io.stillpoint.inventory.IdempotencyMismatchException;
import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.repository.RestorePointUnreadableException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Renders every failure as {@code application/problem+json}, in one place. The status comes from one
 * table, resolved up the exception's class hierarchy; client errors are logged at DEBUG, server errors
 * at ERROR with an id the answer repeats. No class names or stack traces reach a body.
 */
public class ProblemMapper {

    public static final String PROBLEM_JSON = "application/problem+json";

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);

    private static final Map<Class<? extends Throwable>, Integer> STATUS = new LinkedHashMap<>();

    static {
        STATUS.put(InvalidRequestException.class, 400);
        STATUS.put(UnsafePathException.class, 400);
        STATUS.put(InvalidHostSettingsException.class, 400);
        STATUS.put(ConstraintViolationException.class, 400);
        STATUS.put(JsonProcessingException.class, 400);
        STATUS.put(RangeNotSatisfiableException.class, 416);
        STATUS.put(NotFoundException.class, 404);
        STATUS.put(GuestNotFoundException.class, 404);
        STATUS.put(ConflictException.class, 409);
        STATUS.put(IdempotencyMismatchException.class, 422);
    }

    /** A role check that fails: the user is signed in but may not do this. */
    @ServerExceptionMapper
    public Response map(ForbiddenException e, UriInfo uri) {
        return respond(403, "your role may not do this: " + uri.getPath(), uri, null, e);
    }

    @ServerExceptionMapper
    public Response map(UnauthorizedException e, UriInfo uri) {
        return respond(401, "sign in first", uri, null, e);
    }

    @ServerExceptionMapper
    public Response map(WebApplicationException e, UriInfo uri) {
        if (e.getCause() instanceof JsonProcessingException unreadable) {
            return map(unreadable, uri);
        }
        int status = e.getResponse().getStatus();
        String detail = status == 404 ? "no resource at " + uri.getPath() : e.getMessage();
        return respond(status, detail, uri, null, e);
    }

    /** Hibernate Validator's own mapper would answer plain JSON; this one is more specific and wins. */
    @ServerExceptionMapper
    public Response map(ResteasyReactiveViolationException e, UriInfo uri) {
        return map((ConstraintViolationException) e, uri);
    }

    @ServerExceptionMapper
    public Response map(ConstraintViolationException e, UriInfo uri) {
        List<Problem.FieldError> errors = e.getConstraintViolations().stream()
                .map(v -> new Problem.FieldError(field(v), v.getMessage()))
                .sorted(Comparator.comparing(Problem.FieldError::field))
                .toList();
        String detail = errors.stream().map(f -> f.field() + ": " + f.message()).collect(Collectors.joining("; "));
        return respond(400, detail, uri, errors, e);
    }

    /** quarkus-rest-jackson's own mapper would answer plain JSON; this one is more specific and wins. */
    @ServerExceptionMapper
    public Response map(MismatchedInputException e, UriInfo uri) {
        return map((JsonProcessingException) e, uri);
    }

    @ServerExceptionMapper
    public Response map(JsonProcessingException e, UriInfo uri) {
        String field = e instanceof JsonMappingException mapping ? path(mapping) : "";
        String problem = e.getOriginalMessage();
        int cut = problem.indexOf(" at [Source");
        if (cut > 0) {
            problem = problem.substring(0, cut);
        }
        if (field.isEmpty()) {
            return respond(400, "the request body is not valid JSON: " + problem, uri, null, e);
        }
        return respond(400, field + ": " + problem, uri, List.of(new Problem.FieldError(field, problem)), e);
    }

    @ServerExceptionMapper
    public Response map(InvalidRequestException e, UriInfo uri) {
        return respond(400, e.getMessage(), uri, List.of(new Problem.FieldError(e.field(), e.getMessage())), e);
    }

    /** The server's own failure, but one the caller can act on: the detail names the restore point. */
    @ServerExceptionMapper
    public Response map(RestorePointUnreadableException e, UriInfo uri) {
        String incident = UUID.randomUUID().toString();
        LOG.errorf(e, "incident %s at %s: %s", incident, uri.getPath(), e.getMessage());
        return respond(500, e.getMessage() + "; the server's log names incident " + incident, uri, null, null);
    }

    @ServerExceptionMapper
    public Response map(RuntimeException e, UriInfo uri) {
        int status = statusOf(e);
        if (status >= 500) {
            String incident = UUID.randomUUID().toString();
            LOG.errorf(e, "incident %s at %s", incident, uri.getPath());
            return respond(status, "the server failed to handle the request; its log names incident " + incident,
                    uri, null, null);
        }
        return respond(status, e.getMessage(), uri, null, e);
    }

    static int statusOf(Throwable e) {
        for (Class<?> type = e.getClass(); type != null; type = type.getSuperclass()) {
            Integer status = STATUS.get(type);
            if (status != null) {
                return status;
            }
        }
        return 500;
    }

    private static Response respond(int status, String detail, UriInfo uri, List<Problem.FieldError> errors, Throwable logged) {
        if (logged != null) {
            LOG.debugf("%d at %s: %s", status, uri.getPath(), detail);
        }
        Response.Status known = Response.Status.fromStatusCode(status);
        String title = known != null ? known.getReasonPhrase() : "Error";
        return Response.status(status)
                .type(PROBLEM_JSON)
                .entity(new Problem("about:blank", title, status, detail, uri.getPath(), errors))
                .build();
    }

    private static String field(ConstraintViolation<?> violation) {
        String name = "";
        for (Path.Node node : violation.getPropertyPath()) {
            if (node.getKind() == jakarta.validation.ElementKind.PROPERTY
                    || node.getKind() == jakarta.validation.ElementKind.PARAMETER) {
                name = node.getName();
            }
        }
        return name;
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }
}
