package io.stillpoint.guestfiles;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.inventory.ConflictException;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.repository.Manifest;
import io.stillpoint.repository.ManifestCodec;
import io.stillpoint.repository.RepositoryLayout;
import io.stillpoint.repository.RestorePointUnreadableException;
import io.stillpoint.restore.VerifyService;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/**
 * A restore point's guest files: its file systems, a folder's entries, a file's bytes, a folder as a tar.
 * Each call leases the point's appliance from the {@link AppliancePool}; the restore point itself is only
 * read, never changed.
 */
@ApplicationScoped
public class GuestFiles {

    /** A file ready to stream; the lease is held until the stream ends. */
    public record OpenFile(AppliancePool.Lease lease, Appliance.FileRef file) implements AutoCloseable {

        @Override
        public void close() {
            lease.close();
        }

        public long size() {
            return file.size();
        }

        public String name() {
            return file.name();
        }
    }

    /** A folder ready to stream as a tar. */
    public record OpenFolder(AppliancePool.Lease lease, String applianceFolder, String name) implements AutoCloseable {

        @Override
        public void close() {
            lease.close();
        }
    }

    private final AppliancePool pool;

    GuestFiles(AppliancePool pool) {
        this.pool = pool;
    }

    /** Whether the point's appliance runs, starts or is stopped; starts nothing. */
    public String applianceStatus(UUID pointId) {
        locate(pointId);
        return pool.status(pointId);
    }

    public List<GuestFileSystem> fileSystems(UUID pointId, boolean force) {
        try (AppliancePool.Lease lease = lease(pointId, force)) {
            return lease.appliance().fileSystems();
        }
    }

    public GuestListing list(UUID pointId, String fs, GuestPath path, int offset, int limit, boolean force) {
        try (AppliancePool.Lease lease = lease(pointId, force)) {
            return lease.appliance().list(fs, path, offset, limit);
        }
    }

    /** The caller must close the lease once it has streamed the file. */
    public OpenFile openFile(UUID pointId, String fs, GuestPath path, boolean force) {
        AppliancePool.Lease lease = lease(pointId, force);
        try {
            return new OpenFile(lease, lease.appliance().file(fs, path));
        } catch (RuntimeException e) {
            lease.close();
            throw e;
        }
    }

    public OpenFolder openFolder(UUID pointId, String fs, GuestPath path, boolean force) {
        AppliancePool.Lease lease = lease(pointId, force);
        try {
            return new OpenFolder(lease, lease.appliance().folder(fs, path), path.isRoot() ? "root" : path.name());
        } catch (RuntimeException e) {
            lease.close();
            throw e;
        }
    }

    public long stream(OpenFile file, long offset, long length, OutputStream out) throws IOException {
        return file.lease().appliance().download(pool.fifoFolder(), pool.transfers(), file.file(), offset, length, out);
    }

    public long stream(OpenFolder folder, OutputStream out) throws IOException {
        return folder.lease().appliance().tar(pool.fifoFolder(), pool.transfers(), folder.applianceFolder(), out);
    }

    /** Checks that the point exists and may be read ({@code force} after a failed verify), before work is accepted. */
    void locatable(UUID pointId, boolean force) {
        checkVerified(pointId, locate(pointId), force);
    }

    AppliancePool pool() {
        return pool;
    }

    /**
     * The point's appliance. A point whose last verify failed may hold other bytes than it was made with: it is
     * read only with {@code force}.
     */
    AppliancePool.Lease lease(UUID pointId, boolean force) {
        Located point = locate(pointId);
        checkVerified(pointId, point, force);
        return pool.lease(pointId, () -> PointDisks.of(point.directory(), manifest(pointId, point.directory())));
    }

    private static void checkVerified(UUID pointId, Located point, boolean force) {
        if (VerifyService.FAILED.equals(point.verifyStatus()) && !force) {
            throw new ConflictException("restore point " + pointId + " failed its last verification ("
                    + point.verifyProblems() + "); add force=true to read its guest files anyway");
        }
    }

    private record Located(Path directory, String verifyStatus, String verifyProblems) {}

    private static Located locate(UUID pointId) {
        return QuarkusTransaction.requiringNew().call(() -> {
            RestorePoint p = RestorePoint.byId(pointId).orElseThrow(() -> new NotFoundException("restore point", pointId));
            BackupRepository repository = BackupRepository.byId(p.repositoryId).orElseThrow();
            return new Located(new RepositoryLayout(repository.root()).resolve(p.relativePath), p.verifyStatus,
                    p.verifyProblems);
        });
    }

    private static Manifest manifest(UUID pointId, Path directory) {
        try {
            return ManifestCodec.read(directory.resolve(RepositoryLayout.MANIFEST));
        } catch (NoSuchFileException e) {
            throw new RestorePointUnreadableException(pointId, RepositoryLayout.MANIFEST + " is missing", e);
        } catch (JsonProcessingException e) {
            throw new RestorePointUnreadableException(pointId, RepositoryLayout.MANIFEST + " is not a valid manifest: "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new RestorePointUnreadableException(pointId, RepositoryLayout.MANIFEST + " cannot be read: "
                    + e.getMessage(), e);
        }
    }
}
