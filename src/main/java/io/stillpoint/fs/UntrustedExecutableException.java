package io.stillpoint.fs;

/** A program Stillpoint was asked to run is not one it may run; the message says why. */
public class UntrustedExecutableException extends Exception {

    public UntrustedExecutableException(String problem) {
        super(problem);
    }
}
