package io.stillpoint.host;

/** A host's settings are missing a value or hold a wrong one; {@link #field()} names it. */
public class InvalidHostSettingsException extends HostException {

    private final String field;

    public InvalidHostSettingsException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
