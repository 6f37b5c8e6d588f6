package io.stillpoint.inventory;

/** The target of a request is busy with other work: "VM 3f2… is busy with run 9a1…". */
public class BusyException extends ConflictException {

    public BusyException(String message) {
        super(message);
    }
}
