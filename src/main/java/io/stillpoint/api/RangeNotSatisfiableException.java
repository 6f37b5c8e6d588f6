package io.stillpoint.api;

/** A {@code Range} header this server cannot serve for a file of the given size. */
class RangeNotSatisfiableException extends RuntimeException {

    RangeNotSatisfiableException(String range, long size) {
        super("Range '" + range + "' cannot be served for a file of " + size + " bytes; ask for one range of bytes");
    }
}
