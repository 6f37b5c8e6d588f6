package io.stillpoint.copy;

/** An entry the copier did not copy (sockets, FIFOs, devices), and why. */
public record SkippedEntry(String path, String reason) {}
