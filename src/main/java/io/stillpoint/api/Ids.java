package io.stillpoint.api;

import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.inventory.NotFoundException;
import java.util.UUID;

/** Parses ids from paths and queries, so that a malformed one gets an answer naming it. */
final class Ids {

    private Ids() {}

    /** A malformed id in a path names nothing that exists: 404. */
    static UUID path(String what, String raw) {
        try {
            return UUID.fromString(raw);
        } catch (IllegalArgumentException e) {
            throw new NotFoundException(what + " '" + raw + "' does not exist (ids are UUIDs)");
        }
    }

    /** A malformed id in a query or body is a bad request naming the field: 400. */
    static UUID field(String field, String raw) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        try {
            return UUID.fromString(raw);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(field, "'" + raw + "' is not a UUID");
        }
    }
}
