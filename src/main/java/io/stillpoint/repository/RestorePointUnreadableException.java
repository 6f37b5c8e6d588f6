package io.stillpoint.repository;

import java.util.UUID;

/**
 * A restore point in the catalog whose files cannot be read: its manifest is missing, unreadable or not a
 * manifest. The server's fault (or its storage's), never the request's; the cause names the file.
 */
public class RestorePointUnreadableException extends RuntimeException {

    private final UUID restorePointId;

    public RestorePointUnreadableException(UUID restorePointId, String problem, Throwable cause) {
        super("restore point " + restorePointId + " cannot be read: " + problem, cause);
        this.restorePointId = restorePointId;
    }

    public UUID restorePointId() {
        return restorePointId;
    }
}
