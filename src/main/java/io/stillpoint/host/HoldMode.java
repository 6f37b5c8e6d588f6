package io.stillpoint.host;

/**
 * How a running guest is held still while a writer takes its snapshot.
 *
 * <p>Each mode maps to one consistency a restore point can promise; the hold ends (the guest runs
 * again) as soon as the snapshot exists, never after the copy.
 */
public enum HoldMode {
    /** The guest quiesces itself (in-guest VSS, fsfreeze); its vCPUs keep running. */
    FREEZE,
    /** vCPUs stopped; the disks are crash-consistent. */
    PAUSE,
    /** Memory and device state saved to a file beside the disks; the guest is off until resumed. */
    SAVE_STATE,
    /** Clean shutdown; started again when the hold ends. */
    STOP
}
