package io.stillpoint.host;

/** The power state of a guest as the hypervisor reports it. */
public enum GuestState {
    RUNNING,
    PAUSED,
    SAVED,
    OFF
}
