package io.stillpoint.inventory;

/** A request names a wrong value; {@link #field()} says which, the message says why. */
public class InvalidRequestException extends RuntimeException {

    private final String field;

    public InvalidRequestException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
