package io.stillpoint.host.qemu;

import io.stillpoint.host.HostException;

/** QEMU answered a command with an error; QEMU did not carry the command out. */
public class QmpException extends HostException {

    private final String errorClass;

    public QmpException(String command, String errorClass, String description) {
        super("QMP " + command + " failed: " + description + " (" + errorClass + ")", false, null);
        this.errorClass = errorClass;
    }

    public String errorClass() {
        return errorClass;
    }
}
