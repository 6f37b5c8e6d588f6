package io.stillpoint.guestfiles;

import io.stillpoint.inventory.InvalidRequestException;

/** A restore point whose disks cannot be browsed (simulated, no disk image, a disk naming other files), and why. */
public class UnbrowsableException extends InvalidRequestException {

    public UnbrowsableException(String why) {
        super("id", "the restore point's guest files cannot be browsed: " + why);
    }
}
