package io.stillpoint.repository;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The space of a repository's file system, as the API shows it and its usage samples record it.
 *
 * @param usableBytes free for the server (blocks reserved for root excluded)
 * @param usedBytes in use, as {@code df} counts it: blocks shared by several points count once
 */
public record RepositorySpace(long totalBytes, long usableBytes, long usedBytes) {

    /** Empty where the file system cannot be read now, e.g. an unmounted share. */
    public static Optional<RepositorySpace> of(Path root) {
        try {
            FileStore store = Files.getFileStore(root);
            long total = store.getTotalSpace();
            return Optional.of(new RepositorySpace(total, store.getUsableSpace(), total - store.getUnallocatedSpace()));
        } catch (IOException unreachable) {
            return Optional.empty();
        }
    }
}
