package io.stillpoint.api.dto;

import io.stillpoint.catalog.BackupRepository;
import java.time.Instant;
import java.util.UUID;

/** @param usableBytes free space for the server on the repository's filesystem, or -1 if unknown */
public record RepositoryResponse(UUID id, String name, String path, Instant createdAt, long totalBytes, long usableBytes) {

    public static RepositoryResponse of(BackupRepository r) {
        long total = -1;
        long usable = -1;
        try {
            var store = java.nio.file.Files.getFileStore(r.root());
            total = store.getTotalSpace();
            usable = store.getUsableSpace();
        } catch (java.io.IOException unreachable) {
            // A repository on an unmounted share still lists; its space is simply unknown.
        }
        return new RepositoryResponse(r.id, r.name, r.path, r.createdAt, total, usable);
    }
}
