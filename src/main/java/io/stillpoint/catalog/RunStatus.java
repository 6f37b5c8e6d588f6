package io.stillpoint.catalog;

/** The life of a backup run or a restore. */
public enum RunStatus {
    QUEUED,
    RUNNING,
    SUCCEEDED,
    FAILED,
    CANCELLED,
    /** A scheduled fire found the VM busy with another run or a restore; the error says with what. */
    SKIPPED;

    public boolean finished() {
        return this != QUEUED && this != RUNNING;
    }
}
