package io.stillpoint.fs;

/** A requested path would leave the roots it is confined to; the message completes "path ...". */
public class UnsafePathException extends RuntimeException {

    public UnsafePathException(String problem) {
        super(problem);
    }
}
