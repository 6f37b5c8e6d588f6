package io.stillpoint.guestfiles;

import java.util.List;

/** One page of a guest folder's entries in name order; {@code total} counts them all. */
public record GuestListing(String path, long total, List<GuestEntry> entries) {}
