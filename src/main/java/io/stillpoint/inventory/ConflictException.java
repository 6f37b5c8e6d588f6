package io.stillpoint.inventory;

/** The request is valid but the state of what it names forbids it now; the message says why. */
public class ConflictException extends RuntimeException {

    public ConflictException(String message) {
        super(message);
    }
}
