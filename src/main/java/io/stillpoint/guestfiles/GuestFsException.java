package io.stillpoint.guestfiles;

/** libguestfs refused a call or its appliance failed; the message is libguestfs's own, with context. */
public class GuestFsException extends RuntimeException {

    public GuestFsException(String message) {
        super(message);
    }

    public GuestFsException(String message, Throwable cause) {
        super(message, cause);
    }
}
