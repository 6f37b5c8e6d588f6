package io.stillpoint.host;

/** A {@link GuestSpec} asks for something the host cannot create; {@link #field()} names the culprit. */
public class InvalidGuestSpecException extends HostException {

    private final String field;

    public InvalidGuestSpecException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
