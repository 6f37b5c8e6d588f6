package io.stillpoint.host.simulated;

/** Guest operations a test can make fail once with {@link SimulatedHypervisor#failNext}. */
public enum SimulatedOperation {
    FREEZE,
    /** Ending a FREEZE hold. */
    THAW,
    PAUSE,
    SAVE_STATE,
    STOP,
    /** Any way back to RUNNING: {@code start}, or closing a PAUSE, SAVE_STATE or STOP hold. */
    START
}
