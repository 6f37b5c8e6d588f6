package io.stillpoint.guestfiles;

/**
 * The server has too many files open to start an appliance safely (see {@link OpenFiles}); answered 503 with
 * a {@code Retry-After}: the count falls as connections and transfers end.
 */
public class TooManyOpenFilesException extends GuestFsException {

    private final int open;

    public TooManyOpenFilesException(int open, int limit) {
        super("the server has " + open + " files open, more than the " + limit + " with which libguestfs can start an"
                + " appliance without aborting the server (its select() takes no descriptor of 1024 or more); ask"
                + " again when fewer connections and transfers are open");
        this.open = open;
    }

    public int open() {
        return open;
    }
}
