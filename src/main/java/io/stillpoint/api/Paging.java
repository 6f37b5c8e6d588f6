package io.stillpoint.api;

import io.stillpoint.catalog.PageRequest;
import io.stillpoint.inventory.InvalidRequestException;
import jakarta.ws.rs.core.UriBuilder;
import jakarta.ws.rs.core.UriInfo;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * The paging of every growing list: {@code limit} (default {@value #DEFAULT_LIMIT}, at most
 * {@value #MAX_LIMIT}) and {@code after}, the cursor {@code <ISO instant>,<id>} of the last item seen. The
 * body stays a plain JSON array; when more items follow, an RFC 8288 {@code Link: <...>; rel="next"} header
 * gives the next page's address, this request's own with {@code after} set.
 */
final class Paging {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private Paging() {}

    static PageRequest request(String limit, String after) {
        int size = limit(limit);
        if (after == null || after.isBlank()) {
            return PageRequest.first(size);
        }
        int comma = after.lastIndexOf(',');
        if (comma < 0) {
            throw new InvalidRequestException("after", "'" + after + "' is not a cursor <ISO instant>,<id>, as in a Link header");
        }
        try {
            return new PageRequest(size, Instant.parse(after.substring(0, comma)), UUID.fromString(after.substring(comma + 1)));
        } catch (DateTimeParseException | IllegalArgumentException e) {
            throw new InvalidRequestException("after", "'" + after + "' is not a cursor <ISO instant>,<id>, as in a Link header");
        }
    }

    private static int limit(String raw) {
        if (raw == null || raw.isBlank()) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(raw.trim());
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below, as for a number out of range
        }
        throw new InvalidRequestException("limit", "'" + raw + "' is not a whole number from 1 to " + MAX_LIMIT);
    }

    /** An instant filter such as {@code since}: ISO 8601 with offset, e.g. {@code 2026-01-31T00:00:00Z}. */
    static Instant instant(String field, String raw) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(raw.trim());
        } catch (DateTimeParseException e) {
            throw new InvalidRequestException(field, "'" + raw + "' is not an ISO 8601 instant such as 2026-01-31T00:00:00Z");
        }
    }

    /**
     * Answers the page: {@code fetched} holds one item more than the page when another page follows.
     *
     * @param key an item's sort key (its instant and id), which the next page's cursor repeats
     */
    static <E, T> RestResponse<List<T>> answer(List<E> fetched, PageRequest page, Function<E, Instant> at,
            Function<E, UUID> id, Function<List<E>, List<T>> shown, UriInfo uri) {
        boolean more = fetched.size() > page.limit();
        List<E> items = more ? fetched.subList(0, page.limit()) : fetched;
        RestResponse.ResponseBuilder<List<T>> answer = RestResponse.ResponseBuilder.ok(shown.apply(items));
        if (more) {
            E last = items.get(items.size() - 1);
            answer.header("Link", next(uri.getRequestUriBuilder()
                    .replaceQueryParam("after", at.apply(last) + "," + id.apply(last))
                    .replaceQueryParam("limit", page.limit())));
        }
        return answer.build();
    }

    /** The RFC 8288 header value pointing at the next page, relative to the server, as the console fetches it. */
    static String next(UriBuilder next) {
        java.net.URI built = next.build();
        return "<" + built.getRawPath() + "?" + built.getRawQuery() + ">; rel=\"next\"";
    }
}
