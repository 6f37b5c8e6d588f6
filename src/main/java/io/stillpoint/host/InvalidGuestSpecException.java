package io.stillpoint.host;

/** A {@link GuestSpec} asks for something the host cannot create; {@link #field()} names the culprit. */
public class InvalidGuestSpecException extends HostException {

    private final String field;
    private final String problem;

    public InvalidGuestSpecException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
        this.problem = problem;
    }

    public String field() {
        return field;
    }

    /** What is wrong, without the field's name: for a caller that names the field its own way. */
    public String problem() {
        return problem;
    }
}
