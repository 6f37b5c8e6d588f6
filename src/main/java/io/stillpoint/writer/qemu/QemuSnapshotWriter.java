package io.stillpoint.writer.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.fs.UntrustedExecutableException;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.HostException;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.qemu.GuestRegistration;
import io.stillpoint.host.qemu.QemuConfig;
import io.stillpoint.host.qemu.QemuHypervisor;
import io.stillpoint.host.qemu.QmpClient;
import io.stillpoint.writer.AbstractSnapshot;
import io.stillpoint.writer.PreparedSnapshot;
import io.stillpoint.writer.Snapshot;
import io.stillpoint.writer.SnapshotException;
import io.stillpoint.writer.SnapshotView;
import io.stillpoint.writer.SnapshotWriter;
import io.stillpoint.writer.WriterAvailability;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Point-in-time views of QEMU guests through external overlays. {@code prepare}, before the guest is held,
 * makes a qcow2 overlay beside every disk and adds it to QEMU's block graph; {@code create()}, while the
 * guest is held, is one QMP {@code transaction} of {@code blockdev-snapshot} that puts them on top of all
 * disks at once. From then on the guest writes only to the overlays and the disk images do not change.
 * The view is a folder of hard links to those images (and to the guest's launch files and saved state),
 * laid out as the guest's folder. Release commits each overlay back into its disk (an active {@code
 * block-commit}, then {@code job-complete}) and deletes it; with QEMU gone, {@code qemu-img commit} does
 * the same offline.
 *
 * <p>Each disk keeps a persistent dirty bitmap named {@value #BITMAP}, on the disk's own node. Writes to
 * the overlay do not reach it while the snapshot exists, but the commit writes them into the disk node and
 * so marks them: after release the bitmap has seen every write since it was made. Its state goes into the
 * snapshot's facts.
 */
public final class QemuSnapshotWriter implements SnapshotWriter {

    public static final String KIND = "qemu";
    public static final String BITMAP = "stillpoint";
    /** Inside the guest's folder, so that hard links to its disks are possible. */
    public static final String VIEWS_DIR = ".stillpoint-snapshots";
    public static final String FACT_SNAPSHOT_ID = "snapshot.id";
    public static final String FACT_OVERLAY_PREFIX = "overlay.";
    public static final String FACT_BITMAP_PREFIX = "bitmap.";


    private static final ObjectMapper JSON = new ObjectMapper();

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
            String version = run(List.of(qemuImg(), "--version"), 10).lines().findFirst().orElse("");
            return WriterAvailability.ready(Map.of("method", "external qcow2 overlays + active block-commit",
                    "qemu-img", version, "bitmap", BITMAP));
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
        String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Map<String, String> facts = new LinkedHashMap<>();
        try {
            List<Path> leftovers = overlayFiles(registration, null);
            if (!leftovers.isEmpty()) {
                throw new SnapshotException("guest '" + guest.name() + "' still has overlays " + leftovers
                        + " of an earlier snapshot; release or recover them first");
            }
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
                facts.putAll(ensureBitmaps(qmp, qemu, registration));
            } else {
                facts.put(FACT_BITMAP_PREFIX + "state", "not checked: guest not running");
            }
            List<GuestRegistration.Disk> disks = registration.disks();
            for (int i = 0; i < disks.size(); i++) {
                GuestRegistration.Disk disk = disks.get(i);
                Path overlay = QemuHypervisor.overlayFile(Path.of(disk.file()), id);
                long size = alive ? sizes.getOrDefault(disk.node(), 0L) : virtualSize(Path.of(disk.file()));
                // -u: QEMU holds the disk's write lock, and the size is known anyway.
                run(List.of(qemuImg(), "create", "-q", "-f", "qcow2", "-u", "-F", disk.format(), "-b", disk.file(),
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
            return new Prepared(qemu, guest, registration, id, facts);
        } catch (IOException | RuntimeException e) {
            SnapshotException failure = e instanceof SnapshotException snapshot ? snapshot : new SnapshotException(
                    "preparing snapshot of guest '" + guest.name() + "' on host '" + host.name() + "' failed: "
                            + e.getMessage(), e);
            try {
                release(qemu, registration, id);
            } catch (IOException | RuntimeException undo) {
                failure.addSuppressed(undo);
            }
            throw failure;
        }
    }

    /**
     * Commits the overlays a dead process left behind (online through QEMU, or offline when QEMU is gone),
     * and deletes leftover views. Run at start-up, before this process takes any snapshot.
     */
    @Override
    public void recover(Hypervisor host) {
        QemuHypervisor qemu = qemu(host);
        List<String> failures = new ArrayList<>();
        for (GuestInfo guest : qemu.guests()) {
            try {
                GuestRegistration registration = qemu.registration(guest.ref());
                if (qemu.isAlive(guest.ref())) {
                    commitOnline(qemu, registration, null);
                    deleteUnattached(registration, null);
                } else {
                    commitOffline(registration, null);
                }
                deleteTree(registration.directoryPath().resolve(VIEWS_DIR));
            } catch (IOException | RuntimeException e) {
                failures.add(guest.name() + ": " + e.getMessage());
            }
        }
        if (!failures.isEmpty()) {
            throw new SnapshotException("recovering snapshots on host '" + host.name() + "' failed for " + failures);
        }
    }

    private Map<String, String> ensureBitmaps(QmpClient qmp, QemuHypervisor qemu, GuestRegistration registration) {
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put(FACT_BITMAP_PREFIX + "name", BITMAP);
        Map<String, JsonNode> bitmaps = new LinkedHashMap<>();
        for (JsonNode node : qmp.execute("query-named-block-nodes", Map.of("flat", true), deadline(qemu))) {
            for (JsonNode bitmap : node.path("dirty-bitmaps")) {
                if (bitmap.path("name").asText().equals(BITMAP)) {
                    bitmaps.put(node.path("node-name").asText(), bitmap);
                }
            }
        }
        for (GuestRegistration.Disk disk : registration.disks()) {
            String key = FACT_BITMAP_PREFIX + disk.node();
            if (!disk.format().equals("qcow2")) {
                facts.put(key, "none: persistent bitmaps need qcow2, disk is " + disk.format());
                continue;
            }
            JsonNode bitmap = bitmaps.get(disk.node());
            String state;
            if (bitmap == null) {
                state = "created";
            } else if (bitmap.path("inconsistent").asBoolean(false) || !bitmap.path("recording").asBoolean(true)) {
                // An inconsistent bitmap (QEMU was killed while it was loaded) can only be removed (notes §1.5).
                qmp.execute("block-dirty-bitmap-remove", Map.of("node", disk.node(), "name", BITMAP), deadline(qemu));
                state = "recreated: was inconsistent";
            } else {
                facts.put(key, "recording, dirty bytes " + bitmap.path("count").asLong());
                continue;
            }
            qmp.execute("block-dirty-bitmap-add", Map.of("node", disk.node(), "name", BITMAP, "persistent", true),
                    deadline(qemu));
            facts.put(key, state);
        }
        return facts;
    }

    private final class Prepared implements PreparedSnapshot {
        private final QemuHypervisor host;
        private final GuestInfo guest;
        private final GuestRegistration registration;
        private final String id;
        private final Map<String, String> facts;
        private boolean used;

        Prepared(QemuHypervisor host, GuestInfo guest, GuestRegistration registration, String id,
                Map<String, String> facts) {
            this.host = host;
            this.guest = guest;
            this.registration = registration;
            this.id = id;
            this.facts = facts;
        }

        /**
         * With QEMU running, one transaction puts the prepared overlay nodes on top of all disks. With
         * QEMU gone (a stop hold) the prepared files are enough: the host starts the guest on top of them.
         */
        @Override
        public synchronized Snapshot create() {
            if (used) {
                throw new IllegalStateException("snapshot of guest '" + guest.name() + "' already created or closed");
            }
            used = true;
            Path view = registration.directoryPath().resolve(VIEWS_DIR).resolve(id);
            boolean online = host.isAlive(guest.ref());
            try {
                if (online) {
                    List<Map<String, Object>> actions = new ArrayList<>();
                    List<GuestRegistration.Disk> disks = registration.disks();
                    for (int i = 0; i < disks.size(); i++) {
                        actions.add(Map.of("type", "blockdev-snapshot", "data",
                                Map.of("node", disks.get(i).node(), "overlay", QemuHypervisor.overlayNode(id, i))));
                    }
                    host.qmp(guest.ref()).execute("transaction", Map.of("actions", actions), deadline(host));
                }
                Instant instant = Instant.now();
                linkView(view);
                Map<String, String> all = new LinkedHashMap<>();
                all.put(FACT_SNAPSHOT_ID, id);
                all.put("method", online ? "overlay, taken online" : "overlay, taken while the guest was not running");
                all.putAll(facts);
                return new QemuSnapshot(host, guest, registration, id, instant, view, all);
            } catch (IOException | RuntimeException e) {
                SnapshotException failure = new SnapshotException("snapshot of guest '" + guest.name() + "' on host '"
                        + host.name() + "' failed: " + e.getMessage(), e);
                try {
                    deleteTree(view);
                    release(host, registration, id);
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
                release(host, registration, id);
            } catch (IOException | RuntimeException e) {
                throw new SnapshotException("discarding the prepared snapshot " + id + " of guest '" + guest.name()
                        + "' failed: " + e.getMessage(), e);
            }
        }

        private void linkView(Path view) throws IOException {
            Path dir = registration.directoryPath();
            Files.createDirectories(view);
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
        private final String id;
        private boolean released;

        QemuSnapshot(QemuHypervisor host, GuestInfo guest, GuestRegistration registration, String id, Instant instant,
                Path view, Map<String, String> facts) {
            super(instant, new SnapshotView(view, Map.of()), facts);
            this.host = host;
            this.guest = guest;
            this.registration = registration;
            this.id = id;
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
                deleteTree(view().root());
                release(host, registration, id);
            } catch (IOException | RuntimeException e) {
                throw new SnapshotException("releasing snapshot " + id + " of guest '" + guest.name() + "' on host '"
                        + host.name() + "' failed: " + e.getMessage(), e);
            }
            released = true;
        }
    }

    /** Merges through QEMU while it runs, else offline; the guest may have stopped or died meanwhile. */
    private void release(QemuHypervisor host, GuestRegistration registration, String id) throws IOException {
        if (host.isAlive(registration.name())) {
            commitOnline(host, registration, id);
            deleteUnattached(registration, id);
        } else {
            commitOffline(registration, id);
        }
        Path views = registration.directoryPath().resolve(VIEWS_DIR);
        try (DirectoryStream<Path> left = Files.newDirectoryStream(views)) {
            if (!left.iterator().hasNext()) {
                Files.delete(views);
            }
        } catch (NoSuchFileException e) {
            // no view was ever made
        }
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
            Files.deleteIfExists(files.get(jobId));
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
     * Overlay files left once every overlay in QEMU's graph is merged never went on top of a disk (prepared
     * for a snapshot that failed or was never taken), or were dropped by a QEMU started without them, which
     * then went on writing to the disks: either way they hold nothing the guest still sees.
     */
    private static void deleteUnattached(GuestRegistration registration, String id) throws IOException {
        for (Path unattached : overlayFiles(registration, id)) {
            Files.delete(unattached);
        }
    }

    /** Merges overlay files into their disks with {@code qemu-img commit}: QEMU is not running. */
    private void commitOffline(GuestRegistration registration, String id) throws IOException {
        for (Path overlay : overlayFiles(registration, id)) {
            run(List.of(qemuImg(), "commit", "-q", "-f", "qcow2", overlay.toString()), 3600);
            Files.delete(overlay);
        }
    }

    /** Stillpoint's overlay files beside the guest's disks, of snapshot {@code id} or of any. */
    static List<Path> overlayFiles(GuestRegistration registration, String id) throws IOException {
        List<Path> overlays = new ArrayList<>();
        for (Path disk : registration.diskPaths()) {
            for (Path overlay : QemuHypervisor.overlayFiles(disk)) {
                if (id == null || QemuHypervisor.overlayId(overlay).orElseThrow().equals(id)) {
                    overlays.add(overlay);
                }
            }
        }
        return overlays;
    }

    private long virtualSize(Path disk) throws IOException {
        String info = run(List.of(qemuImg(), "info", "-U", "--output=json", disk.toString()), 60);
        return JSON.readTree(info).path("virtual-size").asLong();
    }

    private static Duration deadline(QemuHypervisor host) {
        return host.deadlines().command();
    }

    private static QemuHypervisor qemu(Hypervisor host) {
        return host.unwrap(QemuHypervisor.class).orElseThrow(() -> new SnapshotException(
                "the qemu writer only snapshots guests of a QEMU host; host '" + host.name() + "' is " + host.kind()));
    }

    private static String run(List<String> command, long timeoutSeconds) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s");
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " exited " + process.exitValue() + ": " + output);
            }
            return output;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted while running " + command.get(0), e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
