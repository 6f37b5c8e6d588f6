package io.stillpoint.host;

/** A host's settings are missing a value or hold a wrong one; {@link #field()} names it. */
public class InvalidHostSettingsException extends HostException {

    private final String field;
    private final String problem;

    public InvalidHostSettingsException(String field, String problem) {
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
