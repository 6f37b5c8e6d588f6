package io.stillpoint.backup;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.catalog.BackupJob;
import io.stillpoint.catalog.BackupRun;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.copy.Baseline;
import io.stillpoint.copy.PreviousFile;
import io.stillpoint.copy.Sharing;
import io.stillpoint.repository.ChunkIndex;
import io.stillpoint.repository.Manifest;
import io.stillpoint.repository.ManifestCodec;
import io.stillpoint.repository.RepositoryLayout;
import io.stillpoint.writer.ChangeTracking;
import io.stillpoint.writer.Snapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * What a run copies against: the VM's newest restore point in the same repository, and how the run knows
 * what changed since it — the writer's tracking when it proves it covers every write, else chunk digests.
 *
 * <p>Every point stays a whole folder: the baseline only lets the file system share the unchanged data
 * (a reflink clone where the repository can clone blocks, else a hard link to a file whose content and
 * metadata are the same). The baseline is trusted only as far as it checks out: its manifest must be the
 * one the catalog committed, and a file's chunk digests must fold to its digest in that manifest; what
 * does not check out is copied whole.
 *
 * @param baseline null for a full copy
 * @param changeTracking {@code bitmap}, {@code differencing} (the writer's kinds), {@code compare} or {@code none}
 * @param reason why a better way could not be used, or null
 * @param basedOn the point the baseline is, or null
 */
record IncrementalPlan(Baseline baseline, String changeTracking, String reason, UUID basedOn) {

    private static final Logger LOG = Logger.getLogger(IncrementalPlan.class);

    static final String NONE = "none";
    static final String COMPARE = "compare";

    /** The plan of a first point, or of one whose previous point cannot serve as a baseline. */
    static IncrementalPlan full(String reason) {
        return new IncrementalPlan(null, NONE, reason, null);
    }

    /**
     * @param repositoryRoot the repository's folder, already checked to carry its marker
     * @param blockClone whether files in the repository can share blocks
     */
    static IncrementalPlan of(BackupRun run, Path repositoryRoot, boolean blockClone, Snapshot snapshot) {
        Candidate candidate = QuarkusTransaction.requiringNew().call(() -> candidate(run));
        if (candidate.previous() == null) {
            return full(candidate.why());
        }
        RestorePoint previous = candidate.previous();
        Path pointFolder = repositoryRoot.resolve(previous.relativePath);
        Manifest manifest;
        Map<String, PreviousFile> files;
        try {
            byte[] manifestBytes = Files.readAllBytes(pointFolder.resolve(RepositoryLayout.MANIFEST));
            if (!ManifestCodec.sha256(manifestBytes).equals(previous.manifestSha256)) {
                return full("the previous point's manifest is not the one the catalog committed; copied in full");
            }
            manifest = ManifestCodec.decode(manifestBytes);
            files = ChunkIndex.read(pointFolder, manifest);
        } catch (NoSuchFileException gone) {
            return full("the previous point's files are missing (" + gone.getFile() + "); copied in full");
        } catch (IOException unreadable) {
            LOG.warnf(unreadable, "run %s: previous point %s cannot serve as a baseline", run.id, previous.id);
            return full("the previous point cannot be read: " + BackupPipeline.message(unreadable) + "; copied in full");
        }
        if (files.isEmpty()) {
            return full("the previous point has no chunk digests (made before incremental copies); copied in full");
        }
        if (!Files.isDirectory(pointFolder.resolve(RepositoryLayout.FILES), LinkOption.NOFOLLOW_LINKS)) {
            return full("the previous point's files folder is missing; copied in full");
        }
        Sharing sharing = blockClone ? Sharing.CLONE : Sharing.LINK;
        Baseline compared = new Baseline(pointFolder, sharing, files, null).under(RepositoryLayout.FILES);
        String sharingNote = blockClone ? null
                : "the repository cannot clone blocks: changed files are written whole, unchanged ones hard-linked";

        ChangeTracking tracking = snapshot.changesSince(manifest.snapshotFacts());
        if (candidate.forceCompare() != null) {
            return new IncrementalPlan(compared, COMPARE, join(candidate.forceCompare(), sharingNote), previous.id);
        }
        if (tracking instanceof ChangeTracking.Tracked tracked) {
            LOG.debugf("run %s: %s tracking names %s", run.id, tracked.kind(), tracked.files().entrySet().stream()
                    .map(e -> e.getKey() + " (" + e.getValue().bytes() + " of " + e.getValue().length() + " bytes)")
                    .toList());
            return new IncrementalPlan(compared.tracked(tracked.files()), tracked.kind(), sharingNote, previous.id);
        }
        String untracked = ((ChangeTracking.Untracked) tracking).reason();
        return new IncrementalPlan(compared, COMPARE, join(untracked, sharingNote), previous.id);
    }

    /** The newest point of the VM in the run's repository, and whether the job's compareEvery forces a compare. */
    private record Candidate(RestorePoint previous, String why, String forceCompare) {}

    private static Candidate candidate(BackupRun run) {
        Integer compareEvery = run.jobId == null ? null
                : BackupJob.<BackupJob>findByIdOptional(run.jobId).map(job -> job.compareEvery).orElse(null);
        int look = compareEvery == null ? 1 : Math.max(1, compareEvery - 1);
        List<RestorePoint> newest = RestorePoint.latestOf(run.vmId, run.repositoryId, look);
        if (newest.isEmpty()) {
            boolean elsewhere = RestorePoint.count("vmId", run.vmId) > 0;
            return new Candidate(null, elsewhere ? "first point of this VM in this repository (its other points are in"
                    + " other repositories)" : null, null);
        }
        RestorePoint previous = newest.get(0);
        if ("FAILED".equals(previous.verifyStatus)) {
            return new Candidate(null, "the previous point failed its last verify; copied in full", null);
        }
        String force = null;
        if (compareEvery != null) {
            boolean allTracked = newest.size() >= compareEvery - 1 && newest.stream()
                    .allMatch(p -> p.changeTracking != null && !COMPARE.equals(p.changeTracking) && !NONE.equals(p.changeTracking));
            if (compareEvery == 1 || allTracked) {
                force = "the job compares chunk digests at least every " + compareEvery + " points (compareEvery)";
            }
        }
        return new Candidate(previous, null, force);
    }

    private static String join(String first, String second) {
        if (first == null) {
            return second;
        }
        return second == null ? first : first + "; " + second;
    }
}
