package io.stillpoint.writer.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stillpoint.fs.NoFollowDelete;
import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.fs.UntrustedExecutableException;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.HostException;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.qemu.GuestRegistration;
import io.stillpoint.host.qemu.QemuConfig;
import io.stillpoint.host.qemu.QemuHypervisor;
import io.stillpoint.host.qemu.QmpClient;
import io.stillpoint.host.qemu.QmpException;
import io.stillpoint.writer.AbstractSnapshot;
import io.stillpoint.writer.ChangeTracking;
import io.stillpoint.writer.ChangedRanges;
import io.stillpoint.writer.PreparedSnapshot;
import io.stillpoint.writer.Snapshot;
import io.stillpoint.writer.SnapshotException;
import io.stillpoint.writer.SnapshotFolders;
import io.stillpoint.writer.SnapshotView;
import io.stillpoint.writer.SnapshotWriter;
import io.stillpoint.writer.WriterAvailability;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * Point-in-time views of QEMU guests through external overlays. {@code prepare}, before the guest is held,
 * makes the snapshot's folder {@code <guest folder>/.stillpoint-snapshots/<snapshot id>/} with Stillpoint's
 * marker, then a qcow2 overlay {@code <disk>.sp-<overlay id>.qcow2} beside every disk (the overlay id is the
 * first eight hex digits of the snapshot id, short enough for QEMU's node names) and adds it to QEMU's block
 * graph; {@code create()}, while the guest is held, is one QMP {@code transaction} of {@code
 * blockdev-snapshot} that puts them on top of all disks at once. From then on the guest writes only to
 * the overlays and the disk images do not change. The view, {@value #VIEW} in the snapshot's folder, is a
 * folder of hard links to those images (and to the guest's launch files and saved state), laid out as the
 * guest's folder. Release commits each overlay back into its disk (an active {@code block-commit}, then
 * {@code job-complete}) and deletes it; with QEMU gone, {@code qemu-img commit} does the same offline. The
 * snapshot's folder goes last: its marker is what proves to a recovery that overlays of its id are
 * Stillpoint's.
 *
 * <p>Changes are tracked by generations of persistent dirty bitmaps on each qcow2 disk's own node, named
 * {@code stillpoint-<snapshot uuid>}. Prepare starts the new generation on every disk, before the hold; the
 * snapshot's transaction disables the one that was recording, atomically with the overlays, so the hold
 * carries one action per disk less. The writes between the two are in both generations and are read once
 * more by the next point: over-covering costs a few digests, a gap would cost data. The new name is the
 * fact {@value #FACT_BITMAP_GENERATION}. The overlays' writes do not reach the disk nodes while the snapshot exists,
 * but the commit writes them there and so marks them in the new generation: nothing falls between two
 * snapshots. (After a save-state the recording generation is put away with the inactive disks and cannot
 * be disabled in the transaction; it is disabled before it is read instead, which is as exact, as the
 * frozen disk node takes no write until the commit.) The disabled generation holds exactly the writes
 * since the previous snapshot; {@link
 * Snapshot#changesSince} reads it over a temporary NBD export of the frozen disk node, and release removes
 * it. Every disk thus keeps one recording bitmap of Stillpoint's; stray ones of its naming (from a failed
 * release, or inconsistent after QEMU was killed) are removed by the next {@code prepare} or by {@code
 * recover}, and bitmaps named otherwise are never touched.
 */
public final class QemuSnapshotWriter implements SnapshotWriter {

    public static final String KIND = "qemu";
    /** Followed by a snapshot's UUID: the name of the bitmap generation that snapshot started. */
    public static final String BITMAP_PREFIX = "stillpoint-";
    /**
     * The bitmap generation the snapshot started on the guest's qcow2 disks, which records the writes after
     * it; absent when none was started (the guest not running at the snapshot, or no qcow2 disk).
     */
    public static final String FACT_BITMAP_GENERATION = "bitmap.generation";
    /** How {@link Snapshot#changesSince} tracked the changes. */
    public static final String TRACKING_KIND = "bitmap";
    static final String INCONSISTENT = "bitmap inconsistent: QEMU stopped without saving it";
    static final String FIRST = "no earlier tracking: first snapshot of this guest";
    static final String OLDER = "previous point is older than the last snapshot of this guest (a snapshot for"
            + " another repository or a failed run came in between)";
    /** Followed by a snapshot's overlay id and a disk's index: the NBD export a bitmap is read through. */
    private static final String DIRTY_EXPORT_PREFIX = "sp-dirty-";
    /** The single bitmap earlier versions kept; Stillpoint's own name, so removed as a stray. */
    private static final String LEGACY_BITMAP = "stillpoint";
    /** Inside the guest's folder, so that hard links to its disks are possible. */
    public static final String VIEWS_DIR = ".stillpoint-snapshots";
    public static final String FACT_SNAPSHOT_ID = "snapshot.id";
    public static final String FACT_OVERLAY_PREFIX = "overlay.";
    /** What a snapshot folder's marker says it is for; its id is the snapshot's, which names the folder. */
    static final String PURPOSE = "qemu-snapshot";
    /** The view inside a snapshot's folder, apart from the marker, which is no file of the guest. */
    static final String VIEW = "view";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final System.Logger LOG = System.getLogger(QemuSnapshotWriter.class.getName());

    private final TrustedExecutables qemuImg;

    /** With {@code qemu-img} at {@link QemuConfig#DEFAULT_QEMU_IMG}. */
    public QemuSnapshotWriter() {
        this(QemuConfig.DEFAULT_QEMU_IMG);
    }

    /** @param qemuImg {@code qemu-img} by absolute path, as the server's configuration names it */
    public QemuSnapshotWriter(String qemuImg) {
        this.qemuImg = new TrustedExecutables(List.of(qemuImg), QemuConfig.QEMU_IMG_KEY);
    }

    /** The configured qemu-img, vetted each time it is about to run. */
    private String qemuImg() throws IOException {
        try {
            return qemuImg.vet(qemuImg.allowed().get(0)).toString();
        } catch (UntrustedExecutableException e) {
            throw new IOException("qemu-img " + e.getMessage(), e);
        }
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public WriterAvailability availability() {
        try {
            String version = Processes.run(List.of(qemuImg(), "--version"), 10).lines().findFirst().orElse("");
            return WriterAvailability.ready(Map.of("method", "external qcow2 overlays + active block-commit",
                    "qemu-img", version, "bitmap", BITMAP_PREFIX + "<snapshot uuid>, one generation per snapshot"));
        } catch (IOException e) {
            return WriterAvailability.unavailable("qemu-img is needed to merge overlays of stopped guests: "
                    + e.getMessage(), Map.of());
        }
    }

    @Override
    public boolean supportsHost(String hostKind) {
        return QemuHypervisor.KIND.equals(hostKind);
    }

    /**
     * Makes the overlays (files with {@code qemu-img create}, and block nodes with {@code blockdev-add}
     * when QEMU runs) and the bitmaps, so that the snapshot itself is a {@code blockdev-snapshot}
     * transaction that only switches the graph: creating the files inside the hold took several times as
     * long.
     */
    @Override
    public PreparedSnapshot prepare(Hypervisor host, GuestInfo guest, Path workDir) {
        QemuHypervisor qemu = qemu(host);
        GuestRegistration registration;
        try {
            registration = qemu.registration(guest.ref());
        } catch (HostException e) {
            throw new SnapshotException("preparing snapshot of guest '" + guest.name() + "' on host '" + host.name()
                    + "' failed: " + e.getMessage(), e);
        }
        UUID snapshotId = UUID.randomUUID();
        String id = overlayId(snapshotId);
        String generation = BITMAP_PREFIX + snapshotId;
        Map<String, String> facts = new LinkedHashMap<>();
        OwnedFolder folder = null;
        List<Path> created = new ArrayList<>();
        Bitmaps bitmaps = Bitmaps.NOT_RUNNING;
        boolean generationStarted = false;
        try {
            List<Path> leftovers = overlayFiles(registration, null);
            if (!leftovers.isEmpty()) {
                throw new SnapshotException("guest '" + guest.name() + "' still has overlays " + leftovers
                        + " of an earlier snapshot; release or recover them first");
            }
            folder = newSnapshotFolder(registration, snapshotId);
            boolean alive = qemu.isAlive(guest.ref());
            Map<String, Long> sizes = new LinkedHashMap<>();
            if (alive) {
                QmpClient qmp = qemu.qmp(guest.ref());
                for (JsonNode node : qmp.execute("query-named-block-nodes", Map.of("flat", true), deadline(qemu))) {
                    String name = node.path("node-name").asText();
                    if (name.startsWith(QemuHypervisor.OVERLAY_NODE_PREFIX)) {
                        throw new SnapshotException("guest '" + guest.name() + "' still writes to overlay '" + name
                                + "' of an earlier snapshot; release or recover it first");
                    }
                    sizes.put(name, node.path("image").path("virtual-size").asLong());
                }
                bitmaps = sweepBitmaps(qmp, qemu, registration);
            }
            List<GuestRegistration.Disk> disks = registration.disks();
            for (int i = 0; i < disks.size(); i++) {
                GuestRegistration.Disk disk = disks.get(i);
                Path overlay = QemuHypervisor.overlayFile(Path.of(disk.file()), id);
                if (Files.exists(overlay, LinkOption.NOFOLLOW_LINKS)) {
                    throw new SnapshotException(overlay + " already exists and is not Stillpoint's");
                }
                long size = alive ? sizes.getOrDefault(disk.node(), 0L) : virtualSize(Path.of(disk.file()));
                // -u: QEMU holds the disk's write lock, and the size is known anyway.
                created.add(overlay);
                Processes.run(List.of(qemuImg(), "create", "-q", "-f", "qcow2", "-u", "-F", disk.format(), "-b", disk.file(),
                        overlay.toString(), Long.toString(size)), 60);
                facts.put(FACT_OVERLAY_PREFIX + disk.node(), overlay.getFileName().toString());
                if (alive) {
                    Map<String, Object> add = new LinkedHashMap<>();
                    add.put("driver", "qcow2");
                    add.put("node-name", QemuHypervisor.overlayNode(id, i));
                    add.put("file", Map.of("driver", "file", "filename", overlay.toString()));
                    add.put("backing", null);
                    qemu.qmp(guest.ref()).execute("blockdev-add", add, deadline(qemu));
                }
            }
            String generationFailure = null;
            if (alive && !bitmaps.tracked().isEmpty()) {
                generationFailure = startGeneration(qemu.qmp(guest.ref()), qemu, bitmaps, generation);
                generationStarted = generationFailure == null;
            }
            return new Prepared(qemu, guest, registration, new Made(id, folder, created), facts, bitmaps, generation,
                    generationStarted, generationFailure, workDir);
        } catch (IOException | RuntimeException e) {
            SnapshotException failure = e instanceof SnapshotException snapshot ? snapshot : new SnapshotException(
                    "preparing snapshot of guest '" + guest.name() + "' on host '" + host.name() + "' failed: "
                            + e.getMessage(), e);
            try {
                if (generationStarted) {
                    removeGeneration(qemu, guest, bitmaps.tracked(), generation);
                }
                release(qemu, registration, new Made(id, folder, created));
            } catch (IOException | RuntimeException undo) {
                failure.addSuppressed(undo);
            }
            throw failure;
        }
    }

    /**
     * Commits the overlays a dead process left behind (online through QEMU, or offline when QEMU is gone),
     * and deletes their snapshot folders. Run at start-up, before this process takes any snapshot. Only
     * what is provably Stillpoint's is touched: snapshot folders carrying its marker, overlays in QEMU's
     * graph under Stillpoint's node names, and overlay files whose id a snapshot folder proves (or that are,
     * exactly, an overlay of that very disk as an older Stillpoint made them without a folder). Everything
     * else named like them, links above all, is named in the log and left.
     */
    @Override
    public void recover(Hypervisor host) {
        QemuHypervisor qemu = qemu(host);
        List<String> failures = new ArrayList<>();
        for (GuestInfo guest : qemu.guests()) {
            try {
                GuestRegistration registration = qemu.registration(guest.ref());
                List<OwnedFolder> folders = snapshotFolders(qemu, registration);
                Set<String> proven = new HashSet<>();
                folders.forEach(folder -> proven.add(overlayId(folder.ownership().id())));
                if (qemu.isAlive(guest.ref())) {
                    commitOnline(qemu, registration, null);
                    deleteUnattached(qemu, registration, overlay -> proven.contains(idOf(overlay))
                            || madeByEarlierVersion(registration, overlay));
                    sweepBitmaps(qemu.qmp(guest.ref()), qemu, registration);
                    removeDirtyExports(qemu.qmp(guest.ref()), qemu);
                } else {
                    commitOffline(registration, overlay -> proven.contains(idOf(overlay))
                            || madeByEarlierVersion(registration, overlay));
                }
                for (OwnedFolder folder : folders) {
                    if (overlayFiles(registration, overlayId(folder.ownership().id())).isEmpty()) {
                        folder.delete();
                    }
                }
                removeViewsIfEmpty(registration);
                for (Path disk : registration.diskPaths()) {
                    for (Path named : QemuHypervisor.overlayNames(disk)) {
                        LOG.log(System.Logger.Level.WARNING, "QEMU host '" + host.name() + "': left " + named
                                + " beside the disk of guest '" + guest.name() + "': "
                                + (Files.isRegularFile(named, LinkOption.NOFOLLOW_LINKS)
                                        ? "Stillpoint cannot prove it is an overlay of its own"
                                        : "it is named like an overlay of Stillpoint's, but is a link or no file"));
                    }
                }
            } catch (IOException | RuntimeException e) {
                failures.add(guest.name() + ": " + e.getMessage());
            }
        }
        if (!failures.isEmpty()) {
            throw new SnapshotException("recovering snapshots on host '" + host.name() + "' failed for " + failures);
        }
    }

    /** An overlay's id is the first eight hex digits of its snapshot's id. */
    static String overlayId(UUID snapshotId) {
        return snapshotId.toString().substring(0, 8);
    }

    private static String idOf(Path overlay) {
        return QemuHypervisor.overlayId(overlay).orElseThrow();
    }

    /** Makes {@code <guest folder>/.stillpoint-snapshots/<snapshot id>/}, marked, before any overlay of the snapshot exists. */
    private static OwnedFolder newSnapshotFolder(GuestRegistration registration, UUID snapshotId) throws IOException {
        return SnapshotFolders.create(registration.directoryPath().resolve(VIEWS_DIR), PURPOSE, snapshotId);
    }

    /** The snapshot folders of the guest that carry Stillpoint's marker; anything else there is logged and left. */
    private static List<OwnedFolder> snapshotFolders(QemuHypervisor host, GuestRegistration registration)
            throws IOException {
        return SnapshotFolders.marked(registration.directoryPath().resolve(VIEWS_DIR), PURPOSE, "QEMU host '"
                + host.name() + "', guest '" + registration.name() + "'");
    }

    /**
     * An overlay file without a snapshot folder, as a Stillpoint older than the folders left it, is taken for
     * one only when {@code qemu-img} reads it as exactly what that version made: a qcow2 image whose backing
     * file is this disk, in the disk's format.
     */
    private boolean madeByEarlierVersion(GuestRegistration registration, Path overlay) {
        GuestRegistration.Disk disk = registration.disks().stream()
                .filter(d -> QemuHypervisor.overlayFile(Path.of(d.file()), idOf(overlay)).equals(overlay))
                .findFirst().orElse(null);
        if (disk == null || !Files.isRegularFile(overlay, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try {
            JsonNode info = JSON.readTree(Processes.run(List.of(qemuImg(), "info", "-U", "--output=json", overlay.toString()), 60));
            return info.path("format").asText().equals("qcow2")
                    && info.path("backing-filename").asText().equals(disk.file())
                    && info.path("backing-filename-format").asText().equals(disk.format());
        } catch (IOException unreadable) {
            return false;
        }
    }

    /** The guest's views folder goes once it is empty. */
    private static void removeViewsIfEmpty(GuestRegistration registration) throws IOException {
        SnapshotFolders.removeIfEmpty(registration.directoryPath().resolve(VIEWS_DIR));
    }

    /**
     * What the guest's qcow2 disks hold of Stillpoint's bitmaps before a snapshot.
     *
     * @param recording per qcow2 disk node, the generation recording on it; a disk without one is absent
     * @param lost why the recording generations cannot be trusted, or null
     * @param tracked the guest's qcow2 disks: only they can keep a persistent bitmap
     * @param running whether QEMU ran, so the bitmaps could be looked at and a generation started at all
     */
    private record Bitmaps(Map<String, String> recording, String lost, List<GuestRegistration.Disk> tracked,
            boolean running) {

        static final Bitmaps NOT_RUNNING = new Bitmaps(Map.of(), null, List.of(), false);

        /** The generation recording on every tracked disk, or null when they do not share one. */
        String ended() {
            Set<String> names = new HashSet<>(recording.values());
            return names.size() == 1 && recording.size() == tracked.size() ? names.iterator().next() : null;
        }
    }

    /**
     * Removes every bitmap of Stillpoint's naming that cannot be the recording generation: disabled ones
     * (left by a release that failed before removing them), inconsistent ones (QEMU was killed while it had
     * them loaded, notes §1.5: they can only be removed), the single bitmap of earlier versions, and all of
     * them on a disk with more than one recording. Bitmaps named otherwise are the admin's and stay.
     */
    private static Bitmaps sweepBitmaps(QmpClient qmp, QemuHypervisor qemu, GuestRegistration registration) {
        Map<String, JsonNode> nodes = new LinkedHashMap<>();
        for (JsonNode node : qmp.execute("query-named-block-nodes", Map.of("flat", true), deadline(qemu))) {
            nodes.put(node.path("node-name").asText(), node);
        }
        Map<String, String> recording = new LinkedHashMap<>();
        List<GuestRegistration.Disk> tracked = new ArrayList<>();
        String lost = null;
        for (GuestRegistration.Disk disk : registration.disks()) {
            if (!disk.format().equals("qcow2")) {
                continue;
            }
            tracked.add(disk);
            List<String> candidates = new ArrayList<>();
            List<String> strays = new ArrayList<>();
            JsonNode node = nodes.get(disk.node());
            for (JsonNode bitmap : node == null ? List.<JsonNode>of() : node.path("dirty-bitmaps")) {
                String name = bitmap.path("name").asText();
                if (name.equals(LEGACY_BITMAP)) {
                    strays.add(name);
                } else if (isGeneration(name)) {
                    if (bitmap.path("inconsistent").asBoolean(false)) {
                        lost = INCONSISTENT;
                        strays.add(name);
                    } else if (bitmap.path("recording").asBoolean(false)) {
                        candidates.add(name);
                    } else {
                        strays.add(name);
                    }
                }
            }
            if (candidates.size() > 1) {
                lost = lost != null ? lost : "disk " + disk.node() + " had several recording bitmaps " + candidates;
                strays.addAll(candidates);
            } else if (candidates.size() == 1) {
                recording.put(disk.node(), candidates.get(0));
            }
            for (String stray : strays) {
                qmp.execute("block-dirty-bitmap-remove", Map.of("node", disk.node(), "name", stray), deadline(qemu));
            }
        }
        return new Bitmaps(recording, lost, tracked, true);
    }

    /**
     * Adds the new generation to every tracked disk in one transaction, so that it is on all of them or on
     * none, before the guest is held: the hold then only disables the ended one. Writes between now and the
     * snapshot land in both generations; the next point reads them once more, which costs a few chunks'
     * digests and loses nothing.
     *
     * @return why it could not be started, or null when it records on every tracked disk
     */
    private static String startGeneration(QmpClient qmp, QemuHypervisor qemu, Bitmaps bitmaps, String generation) {
        List<Map<String, Object>> actions = new ArrayList<>();
        for (GuestRegistration.Disk disk : bitmaps.tracked()) {
            actions.add(Map.of("type", "block-dirty-bitmap-add", "data",
                    Map.of("node", disk.node(), "name", generation, "persistent", true)));
        }
        try {
            qmp.execute("transaction", Map.of("actions", actions), deadline(qemu));
            return null;
        } catch (QmpException refused) {
            return refused.getMessage();
        }
    }

    /**
     * Takes back a generation that no point records, so that each disk keeps one recording generation of
     * Stillpoint's. Left behind (QEMU gone, a refused command), the next prepare finds two recording and
     * removes both: one compare run, never a lost write.
     */
    private static void removeGeneration(QemuHypervisor qemu, GuestInfo guest, List<GuestRegistration.Disk> disks,
            String generation) {
        if (!qemu.isAlive(guest.ref())) {
            return;
        }
        try {
            QmpClient qmp = qemu.qmp(guest.ref());
            for (GuestRegistration.Disk disk : disks) {
                qmp.execute("block-dirty-bitmap-remove", Map.of("node", disk.node(), "name", generation),
                        deadline(qemu));
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "guest '" + guest.name() + "': bitmap generation " + generation
                    + ", which no point records, was not removed; the next snapshot removes it", e);
        }
    }

    /**
     * A process that died while reading a bitmap left its NBD exports, and the server it started for them:
     * the next reading could not start one. Exports of Stillpoint's naming go, and the server with them
     * when they prove it was Stillpoint's.
     */
    private static void removeDirtyExports(QmpClient qmp, QemuHypervisor qemu) {
        boolean ours = false;
        for (JsonNode export : qmp.execute("query-block-exports", null, deadline(qemu))) {
            String id = export.path("id").asText();
            if (id.startsWith(DIRTY_EXPORT_PREFIX)) {
                qmp.execute("block-export-del", Map.of("id", id), deadline(qemu));
                ours = true;
            }
        }
        if (ours) {
            qmp.execute("nbd-server-stop", null, deadline(qemu));
        }
    }

    /** {@code stillpoint-} and a UUID as {@link UUID#toString} writes it: only what Stillpoint named. */
    static boolean isGeneration(String bitmap) {
        if (!bitmap.startsWith(BITMAP_PREFIX)) {
            return false;
        }
        String id = bitmap.substring(BITMAP_PREFIX.length());
        try {
            return UUID.fromString(id).toString().equals(id);
        } catch (IllegalArgumentException notAnId) {
            return false;
        }
    }

    private final class Prepared implements PreparedSnapshot {
        private final QemuHypervisor host;
        private final GuestInfo guest;
        private final GuestRegistration registration;
        private final Made made;
        private final Map<String, String> facts;
        private final Bitmaps bitmaps;
        private final String generation;
        private final boolean generationStarted;
        private final String generationFailure;
        private final Path workDir;
        private boolean used;

        /**
         * @param generationStarted whether prepare started {@code generation} on every tracked disk
         * @param generationFailure why it could not, when it could have
         */
        Prepared(QemuHypervisor host, GuestInfo guest, GuestRegistration registration, Made made,
                Map<String, String> facts, Bitmaps bitmaps, String generation, boolean generationStarted,
                String generationFailure, Path workDir) {
            this.host = host;
            this.guest = guest;
            this.registration = registration;
            this.made = made;
            this.facts = facts;
            this.bitmaps = bitmaps;
            this.generation = generation;
            this.generationStarted = generationStarted;
            this.generationFailure = generationFailure;
            this.workDir = workDir;
        }

        /**
         * With QEMU running, one transaction puts the prepared overlay nodes on top of all disks and disables
         * the generation that was recording, so the writes are handed over at exactly the snapshot instant
         * (the new one already records, from prepare). With QEMU gone (a stop hold) the prepared files are
         * enough: the host starts the guest on top of them, and no generation is handed over.
         */
        @Override
        public synchronized Snapshot create() {
            if (used) {
                throw new IllegalStateException("snapshot of guest '" + guest.name() + "' already created or closed");
            }
            used = true;
            String id = made.id();
            Path view = made.folder().path().resolve(VIEW);
            boolean online = host.isAlive(guest.ref());
            boolean tracking = online && generationStarted;
            String handoverFailure = generationFailure;
            boolean endedRecording = false;
            try {
                if (online) {
                    List<Map<String, Object>> snapshots = new ArrayList<>();
                    List<GuestRegistration.Disk> disks = registration.disks();
                    for (int i = 0; i < disks.size(); i++) {
                        snapshots.add(Map.of("type", "blockdev-snapshot", "data",
                                Map.of("node", disks.get(i).node(), "overlay", QemuHypervisor.overlayNode(id, i))));
                    }
                    if (tracking) {
                        try {
                            transaction(handoverActions(true), snapshots);
                        } catch (QmpException refused) {
                            // A failed transaction changed nothing. A save-state has put the recording bitmaps
                            // away with the inactive disks, so they cannot be disabled now; they come back,
                            // recording, when the guest runs again. Disabling is only a safeguard: the frozen
                            // disk node takes no write until release commits the overlay, so the recording
                            // bitmap still holds exactly the writes up to this instant when it is read.
                            try {
                                transaction(handoverActions(false), snapshots);
                                endedRecording = true;
                            } catch (QmpException again) {
                                // Whatever else the bitmaps refuse costs a compare, never the backup.
                                handoverFailure = again.getMessage();
                                tracking = false;
                                transaction(List.of(), snapshots);
                                removeGeneration(host, guest, bitmaps.tracked(), generation);
                            }
                        }
                    } else {
                        transaction(List.of(), snapshots);
                    }
                }
                Instant instant = Instant.now();
                linkView(view);
                Map<String, String> all = new LinkedHashMap<>();
                all.put(FACT_SNAPSHOT_ID, id);
                all.put("method", online ? "overlay, taken online" : "overlay, taken while the guest was not running");
                all.putAll(facts);
                if (tracking) {
                    all.put(FACT_BITMAP_GENERATION, generation);
                }
                return new QemuSnapshot(host, guest, registration, made, instant, view, all,
                        new Handover(tracking ? bitmaps : null, untrackedReason(online, handoverFailure), endedRecording,
                                workDir), generationStarted && !online ? new Generation(generation, bitmaps.tracked())
                                : null);
            } catch (IOException | RuntimeException e) {
                SnapshotException failure = new SnapshotException("snapshot of guest '" + guest.name() + "' on host '"
                        + host.name() + "' failed: " + e.getMessage(), e);
                try {
                    if (generationStarted) {
                        removeGeneration(host, guest, bitmaps.tracked(), generation);
                    }
                    NoFollowDelete.entry(made.folder().path(), VIEW);
                    release(host, registration, made);
                } catch (IOException | RuntimeException undo) {
                    failure.addSuppressed(undo);
                }
                throw failure;
            }
        }

        /** Without a snapshot the overlays go again; merged first, in case a start put the guest on them. */
        @Override
        public synchronized void close() {
            if (used) {
                return;
            }
            used = true;
            try {
                if (generationStarted) {
                    removeGeneration(host, guest, bitmaps.tracked(), generation);
                }
                release(host, registration, made);
            } catch (IOException | RuntimeException e) {
                throw new SnapshotException("discarding the prepared snapshot " + made.id() + " of guest '"
                        + guest.name() + "' failed: " + e.getMessage(), e);
            }
        }

        /** Disables, if {@code disable}, the generation recording on every qcow2 disk. */
        private List<Map<String, Object>> handoverActions(boolean disable) {
            List<Map<String, Object>> actions = new ArrayList<>();
            for (GuestRegistration.Disk disk : bitmaps.tracked()) {
                String recording = bitmaps.recording().get(disk.node());
                if (recording != null && disable) {
                    actions.add(Map.of("type", "block-dirty-bitmap-disable", "data",
                            Map.of("node", disk.node(), "name", recording)));
                }
            }
            return actions;
        }

        private void transaction(List<Map<String, Object>> handover, List<Map<String, Object>> snapshots) {
            List<Map<String, Object>> actions = new ArrayList<>(handover);
            actions.addAll(snapshots);
            host.qmp(guest.ref()).execute("transaction", Map.of("actions", actions), deadline(host));
        }

        private String untrackedReason(boolean online, String handoverFailure) {
            if (!online || !bitmaps.running()) {
                return "the guest was not running at the snapshot, so no bitmap generation was handed over";
            }
            if (handoverFailure != null) {
                return (generationStarted ? "handing over" : "starting") + " the bitmap generation failed: "
                        + handoverFailure;
            }
            return registration.disks().isEmpty() ? "the guest has no disk"
                    : "persistent bitmaps need qcow2, disk is " + registration.disks().get(0).format();
        }

        private void linkView(Path view) throws IOException {
            Path dir = registration.directoryPath();
            Files.createDirectory(view);
            List<Path> files = new ArrayList<>(registration.diskPaths());
            for (String name : QemuHypervisor.GUEST_FILES) {
                if (Files.isRegularFile(dir.resolve(name))) {
                    files.add(dir.resolve(name));
                }
            }
            for (Path file : files) {
                Path link = view.resolve(dir.relativize(file).toString());
                Files.createDirectories(link.getParent());
                Files.createLink(link, file);
            }
        }
    }

    private final class QemuSnapshot extends AbstractSnapshot {
        private final QemuHypervisor host;
        private final GuestInfo guest;
        private final GuestRegistration registration;
        private final Made made;
        private final Handover handover;
        private final Generation unusedGeneration;
        private boolean released;

        /**
         * @param unusedGeneration the generation prepare started that QEMU stopped with before it could be
         *     handed over (a stop hold), to be removed once the guest runs again; else null
         */
        QemuSnapshot(QemuHypervisor host, GuestInfo guest, GuestRegistration registration, Made made, Instant instant,
                Path view, Map<String, String> facts, Handover handover, Generation unusedGeneration) {
            super(instant, new SnapshotView(view, Map.of()), facts);
            this.host = host;
            this.guest = guest;
            this.registration = registration;
            this.made = made;
            this.handover = handover;
            this.unusedGeneration = unusedGeneration;
        }

        /**
         * Tracked only when the generation this snapshot disabled was recording, consistent, on every qcow2
         * disk, and is the one {@code previousFacts} started: then it holds every write since that
         * snapshot. Reading it may fail (QEMU gone, NBD refused); that too is an answer of untracked,
         * never a failed backup.
         */
        @Override
        public synchronized ChangeTracking changesSince(Map<String, String> previousFacts) {
            Bitmaps bitmaps = handover.bitmaps();
            if (bitmaps == null) {
                return new ChangeTracking.Untracked(handover.untrackedReason());
            }
            String previous = previousFacts.get(FACT_BITMAP_GENERATION);
            String ended = bitmaps.ended();
            if (bitmaps.lost() != null) {
                return new ChangeTracking.Untracked(bitmaps.lost());
            }
            if (ended == null) {
                return new ChangeTracking.Untracked(previous == null ? FIRST : "tracking lost: bitmap " + previous
                        + " is not recording on every disk (QEMU stopped without saving it)");
            }
            if (previous == null) {
                return new ChangeTracking.Untracked("the previous point records no bitmap generation");
            }
            if (!previous.equals(ended)) {
                return new ChangeTracking.Untracked(OLDER);
            }
            if (released) {
                throw new IllegalStateException("snapshot " + made.id() + " is released; its view is gone");
            }
            try {
                return new ChangeTracking.Tracked(TRACKING_KIND, readDirty(ended));
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "guest '" + guest.name() + "': reading bitmap " + ended
                        + " failed, the copy compares instead", e);
                return new ChangeTracking.Untracked("reading bitmap " + ended + " failed: " + e.getMessage());
            }
        }

        /**
         * Exports each frozen disk node read-only over NBD with the ended generation and maps its dirty
         * guest ranges to the bytes of the disk's file (see {@link DirtyRanges}). The export and the server
         * live only as long as the reading.
         */
        private Map<String, ChangedRanges> readDirty(String bitmap) throws IOException {
            Map<String, ChangedRanges> files = new LinkedHashMap<>();
            QmpClient qmp = host.qmp(guest.ref());
            if (handover.endedRecording()) {
                // QEMU exports only a disabled bitmap read-only. Disabling it now is as good as at the snapshot:
                // the frozen disk node has taken no write since, and takes none until release commits.
                for (GuestRegistration.Disk disk : handover.bitmaps().tracked()) {
                    qmp.execute("block-dirty-bitmap-disable", Map.of("node", disk.node(), "name", bitmap),
                            deadline(host));
                }
            }
            NbdSocket socket = NbdSocket.in(handover.workDir());
            try {
                qmp.execute("nbd-server-start", Map.of("addr", Map.of("type", "unix", "data",
                        Map.of("path", socket.path().toString()))), deadline(host));
                try {
                    List<GuestRegistration.Disk> disks = handover.bitmaps().tracked();
                    for (int i = 0; i < disks.size(); i++) {
                        GuestRegistration.Disk disk = disks.get(i);
                        String export = DIRTY_EXPORT_PREFIX + made.id() + "-" + i;
                        Map<String, Object> add = new LinkedHashMap<>();
                        add.put("type", "nbd");
                        add.put("id", export);
                        add.put("node-name", disk.node());
                        add.put("name", export);
                        add.put("bitmaps", List.of(bitmap));
                        add.put("writable", false);
                        qmp.execute("block-export-add", add, deadline(host));
                        String dirty;
                        try {
                            dirty = Processes.runForJson(List.of(qemuImg(), "map", "--output=json", "--image-opts", "driver=nbd,"
                                    + "server.type=unix,server.path=" + socket.relative() + ",export=" + export
                                    + ",x-dirty-bitmap=qemu:dirty-bitmap:" + bitmap), 600, socket.directory());
                        } finally {
                            qmp.execute("block-export-del", Map.of("id", export), deadline(host));
                        }
                        Path file = Path.of(disk.file());
                        String mapped = Processes.runForJson(List.of(qemuImg(), "map", "-U", "--output=json", "-f", "qcow2",
                                file.toString()), 600, null);
                        String relative = registration.directoryPath().relativize(file).toString().replace('\\', '/');
                        files.put(relative, DirtyRanges.of(JSON.readTree(dirty), JSON.readTree(mapped),
                                Files.size(view().root().resolve(relative))));
                    }
                } finally {
                    qmp.execute("nbd-server-stop", null, deadline(host));
                }
            } finally {
                socket.delete();
            }
            return files;
        }

        /**
         * The view goes first: the commit writes into the images it links to. A failed release leaves the
         * overlays in place (they hold the guest's newest writes) and can be retried, as recovery does.
         */
        @Override
        public synchronized void close() {
            if (released) {
                return;
            }
            try {
                NoFollowDelete.entry(made.folder().path(), VIEW);
                release(host, registration, made);
            } catch (IOException | RuntimeException e) {
                throw new SnapshotException("releasing snapshot " + made.id() + " of guest '" + guest.name()
                        + "' on host '" + host.name() + "' failed: " + e.getMessage(), e);
            }
            released = true;
            removeEndedGeneration();
            if (unusedGeneration != null) {
                removeGeneration(host, guest, unusedGeneration.disks(), unusedGeneration.name());
            }
        }

        /**
         * The disabled generation is read and no longer needed once the overlays are merged. Left behind
         * (QEMU gone, a failed command), it is a stray the next prepare or recovery removes, so its
         * failure does not fail the release.
         */
        private void removeEndedGeneration() {
            Bitmaps bitmaps = handover.bitmaps();
            if (bitmaps == null || !host.isAlive(guest.ref())) {
                return;
            }
            try {
                QmpClient qmp = host.qmp(guest.ref());
                for (Map.Entry<String, String> disabled : bitmaps.recording().entrySet()) {
                    qmp.execute("block-dirty-bitmap-remove", Map.of("node", disabled.getKey(), "name",
                            disabled.getValue()), deadline(host));
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "guest '" + guest.name() + "': the bitmap generation ended by"
                        + " snapshot " + made.id() + " was not removed; the next snapshot removes it", e);
            }
        }
    }

    /**
     * What a snapshot handed over of the guest's writes.
     *
     * @param bitmaps the bitmaps as they were before the snapshot's transaction, or null when it started
     *     no generation
     * @param untrackedReason why no generation was started, when {@code bitmaps} is null
     * @param endedRecording whether the ended generation could not be disabled at the snapshot (a save-state
     *     had put it away) and records still, until it is read
     * @param workDir the run's private folder, where the NBD socket goes
     */
    private record Handover(Bitmaps bitmaps, String untrackedReason, boolean endedRecording, Path workDir) {}

    /** A bitmap generation by its name, and the disks it was started on. */
    private record Generation(String name, List<GuestRegistration.Disk> disks) {}

    /**
     * What one snapshot made: its overlay id, its folder ({@code null} when preparing failed before it
     * was made) and the overlay files it created, the only ones its release merges and deletes.
     */
    private record Made(String id, OwnedFolder folder, List<Path> overlays) {}

    /**
     * Merges through QEMU while it runs, else offline; the guest may have stopped or died meanwhile. The
     * snapshot's folder goes only once its overlays are gone, as its marker proves they are Stillpoint's.
     */
    private void release(QemuHypervisor host, GuestRegistration registration, Made made) throws IOException {
        Predicate<Path> ours = made.overlays()::contains;
        if (host.isAlive(registration.name())) {
            commitOnline(host, registration, made.id());
            deleteUnattached(host, registration, ours);
        } else {
            commitOffline(registration, ours);
        }
        if (made.folder() != null) {
            made.folder().delete();
        }
        removeViewsIfEmpty(registration);
    }

    /**
     * Commits Stillpoint's overlays (of snapshot {@code id}, or any when {@code null}) into their disks
     * while the guest runs, all disks at once, and deletes the overlay files.
     */
    private void commitOnline(QemuHypervisor host, GuestRegistration registration, String id) throws IOException {
        QmpClient qmp = host.qmp(registration.name());
        String prefix = QemuHypervisor.OVERLAY_NODE_PREFIX + (id == null ? "" : id + "-");
        Map<String, String> jobs = new LinkedHashMap<>();
        Map<String, Path> files = new LinkedHashMap<>();
        Map<String, String> running = new LinkedHashMap<>();
        for (JsonNode job : qmp.execute("query-block-jobs", null, deadline(host))) {
            running.put(job.path("device").asText(), job.path("ready").asBoolean() ? "ready" : "running");
        }
        long mark = qmp.mark();
        for (JsonNode block : qmp.execute("query-block", null, deadline(host))) {
            JsonNode inserted = block.path("inserted");
            String top = inserted.path("node-name").asText();
            if (!top.startsWith(prefix)) {
                continue;
            }
            GuestRegistration.Disk disk = registration.disks().stream()
                    .filter(d -> d.device().equals(block.path("qdev").asText())).findFirst()
                    .orElseThrow(() -> new SnapshotException("overlay '" + top + "' sits on a disk Stillpoint does not know: "
                            + block.path("qdev").asText()));
            String jobId = "sp-commit-" + top.substring(QemuHypervisor.OVERLAY_NODE_PREFIX.length());
            files.put(jobId, Path.of(inserted.path("file").asText()));
            jobs.put(jobId, top);
            if (!running.containsKey(jobId)) {
                qmp.execute("block-commit", Map.of("job-id", jobId, "device", top, "base-node", disk.node()),
                        deadline(host));
            }
        }
        for (Map.Entry<String, String> job : jobs.entrySet()) {
            String jobId = job.getKey();
            if (!"ready".equals(running.get(jobId))) {
                var ready = qmp.awaitEvent(mark, e -> e.text("device").equals(jobId) && (e.name().equals("BLOCK_JOB_READY")
                        || e.name().equals("BLOCK_JOB_COMPLETED") || e.name().equals("BLOCK_JOB_CANCELLED")),
                        "readiness of commit job " + jobId, host.deadlines().job());
                if (!ready.name().equals("BLOCK_JOB_READY")) {
                    throw new SnapshotException("commit of overlay '" + job.getValue() + "' ended early: " + ready.name()
                            + " " + ready.text("error"));
                }
            }
            qmp.execute("job-complete", Map.of("id", jobId), deadline(host));
            var done = qmp.awaitEvent(mark, e -> e.text("device").equals(jobId) && (e.name().equals("BLOCK_JOB_COMPLETED")
                    || e.name().equals("BLOCK_JOB_CANCELLED")), "completion of commit job " + jobId, host.deadlines().job());
            if (!done.name().equals("BLOCK_JOB_COMPLETED") || !done.text("error").isEmpty()) {
                throw new SnapshotException("commit of overlay '" + job.getValue() + "' failed: " + done.name() + " "
                        + done.text("error"));
            }
            deleteCommitted(registration, files.get(jobId));
        }
        // Overlays are added with blockdev-add (by prepare, or by the host starting a guest on top of them),
        // so they belong to the monitor: the commit takes one out of its disk's chain, but only blockdev-del
        // removes the node; the same goes for a prepared overlay that never went on top.
        for (JsonNode node : qmp.execute("query-named-block-nodes", Map.of("flat", true), deadline(host))) {
            String name = node.path("node-name").asText();
            if (name.startsWith(prefix)) {
                qmp.execute("blockdev-del", Map.of("node-name", name), deadline(host));
            }
        }
    }

    /**
     * An overlay QEMU has merged into its disk is stale, and must go: a start would put it on top of the
     * disk again. Its node carried Stillpoint's name in QEMU's graph; the file goes only if it is also an
     * overlay file of this guest's disks, named as Stillpoint names them and not a link.
     */
    private static void deleteCommitted(GuestRegistration registration, Path file) throws IOException {
        if (overlayFiles(registration, null).contains(file)) {
            Files.delete(file);
        } else if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            LOG.log(System.Logger.Level.WARNING, "guest '" + registration.name() + "': left " + file
                    + ", merged by QEMU as an overlay, as it is: it is not an overlay file beside the guest's disks");
        }
    }

    /**
     * Overlay files left once every overlay in QEMU's graph is merged never went on top of a disk (prepared
     * for a snapshot that failed or was never taken), or were dropped by a QEMU started without them, which
     * then went on writing to the disks: either way they hold nothing the guest still sees. Only those
     * {@code ours} accepts go, and none that QEMU has open.
     */
    private static void deleteUnattached(QemuHypervisor host, GuestRegistration registration, Predicate<Path> ours)
            throws IOException {
        Set<Path> open = new HashSet<>();
        for (JsonNode node : host.qmp(registration.name()).execute("query-named-block-nodes", Map.of("flat", true),
                deadline(host))) {
            open.add(Path.of(node.path("file").asText()));
        }
        for (Path unattached : overlayFiles(registration, null)) {
            if (!open.contains(unattached) && ours.test(unattached)) {
                Files.delete(unattached);
            }
        }
    }

    /** Merges overlay files {@code ours} accepts into their disks with {@code qemu-img commit}: QEMU is not running. */
    private void commitOffline(GuestRegistration registration, Predicate<Path> ours) throws IOException {
        for (Path overlay : overlayFiles(registration, null)) {
            if (ours.test(overlay)) {
                Processes.run(List.of(qemuImg(), "commit", "-q", "-f", "qcow2", overlay.toString()), 3600);
                Files.delete(overlay);
            }
        }
    }

    /**
     * Stillpoint's overlay files beside the guest's disks (regular files, not links), of snapshot {@code id},
     * or of any when it is {@code null}.
     */
    static List<Path> overlayFiles(GuestRegistration registration, String id) throws IOException {
        List<Path> overlays = new ArrayList<>();
        for (Path disk : registration.diskPaths()) {
            for (Path overlay : QemuHypervisor.overlayFiles(disk)) {
                if (id == null || idOf(overlay).equals(id)) {
                    overlays.add(overlay);
                }
            }
        }
        return overlays;
    }

    private long virtualSize(Path disk) throws IOException {
        String info = Processes.run(List.of(qemuImg(), "info", "-U", "--output=json", disk.toString()), 60);
        return JSON.readTree(info).path("virtual-size").asLong();
    }

    private static Duration deadline(QemuHypervisor host) {
        return host.deadlines().command();
    }

    private static QemuHypervisor qemu(Hypervisor host) {
        return host.unwrap(QemuHypervisor.class).orElseThrow(() -> new SnapshotException(
                "the qemu writer only snapshots guests of a QEMU host; host '" + host.name() + "' is " + host.kind()));
    }
}
