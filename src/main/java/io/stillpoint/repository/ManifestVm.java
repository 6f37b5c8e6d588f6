package io.stillpoint.repository;

import java.util.UUID;

/** The VM as it was at the snapshot, so a restore point explains itself without the catalog. */
public record ManifestVm(
        UUID id,
        String name,
        String ref,
        String hostName,
        String hostType,
        String guestOs,
        long memoryBytes,
        boolean canQuiesce) {}
