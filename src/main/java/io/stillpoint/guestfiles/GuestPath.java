package io.stillpoint.guestfiles;

import io.stillpoint.inventory.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;

/**
 * A path inside one guest file system, as the request gave it: absolute, without {@code ..}, NUL or control
 * characters. It names a file of the guest only: the appliance resolves it below that file system's own
 * mount point and nothing of it ever reaches the host's file system.
 */
public record GuestPath(List<String> segments) {

    static final int MAX_LENGTH = 4096;

    public GuestPath {
        segments = List.copyOf(segments);
    }

    static GuestPath root() {
        return new GuestPath(List.of());
    }

    /**
     * @param field the request's field, for the answer
     * @throws InvalidRequestException naming the field and what is wrong
     */
    public static GuestPath parse(String field, String path) {
        if (path == null || path.isEmpty()) {
            throw new InvalidRequestException(field, "is required: an absolute path inside the guest's file system");
        }
        if (path.length() > MAX_LENGTH) {
            throw new InvalidRequestException(field, "is longer than " + MAX_LENGTH + " characters");
        }
        if (!path.startsWith("/")) {
            throw new InvalidRequestException(field, "must be absolute (start with '/'): '" + path + "'");
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new InvalidRequestException(field, "must not contain control characters (NUL, newline, ...)");
            }
        }
        List<String> segments = new ArrayList<>();
        for (String segment : path.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                throw new InvalidRequestException(field, "must not contain '..'");
            }
            segments.add(segment);
        }
        return new GuestPath(segments);
    }

    public boolean isRoot() {
        return segments.isEmpty();
    }

    public String name() {
        return segments.isEmpty() ? "" : segments.get(segments.size() - 1);
    }

    GuestPath parent() {
        return segments.isEmpty() ? this : new GuestPath(segments.subList(0, segments.size() - 1));
    }

    /** The path below {@code mountpoint} in the appliance. */
    String under(String mountpoint) {
        return segments.isEmpty() ? mountpoint : mountpoint + "/" + String.join("/", segments);
    }

    @Override
    public String toString() {
        return "/" + String.join("/", segments);
    }
}
