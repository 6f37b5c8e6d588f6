package io.stillpoint.host.qemu;

import io.stillpoint.host.GuestHold;
import java.util.Optional;

/** A hold on a QEMU guest, which knows how long the guest's vCPUs really stood still. */
public interface QemuGuestHold extends GuestHold {

    /** Present once a hold that stopped the vCPUs has resumed them. */
    Optional<PauseWindow> pauseWindow();
}
