package io.stillpoint.inventory;

import java.util.UUID;

/** Something named by id does not exist: "VM 3f2… does not exist". */
public class NotFoundException extends RuntimeException {

    public NotFoundException(String what, UUID id) {
        super(what + " " + id + " does not exist");
    }

    public NotFoundException(String message) {
        super(message);
    }
}
