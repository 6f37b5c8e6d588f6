package io.stillpoint.inventory;

/** An {@code Idempotency-Key} came back with a different request than the one it was first used for. */
public class IdempotencyMismatchException extends RuntimeException {

    public IdempotencyMismatchException(String key) {
        super("Idempotency-Key '" + key + "' was used within the last 24 hours for a different request");
    }
}
