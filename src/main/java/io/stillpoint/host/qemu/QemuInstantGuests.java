package io.stillpoint.host.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stillpoint.fs.NoFollowDelete;
import io.stillpoint.fs.NotOwnedException;
import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.fs.UntrustedExecutableException;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestNotFoundException;
import io.stillpoint.host.GuestNames;
import io.stillpoint.host.HostException;
import io.stillpoint.host.InstantGuests;
import io.stillpoint.host.InvalidGuestSpecException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Instant recovery on a QEMU host. A restore point of a QEMU guest is its folder as backed up: its disks and
 * {@code launch.json}. The new guest gets a folder of the host ({@code <root>/vms/<name>}), marked as the
 * recovery's, holding one qcow2 overlay per disk whose backing file is the point's disk; QEMU opens backing
 * files read-only, so the point's files, which other points may share by inode, are never written. The
 * guest's identity (name, SMBIOS UUID, MACs, sockets) is made new as a restore as a new VM makes it ({@link
 * GuestClone}).
 *
 * <p>Moving the disks is one {@code blockdev-mirror} per disk ({@code sync: full}, so the copy has no
 * backing file) into a new qcow2 file; once every mirror is ready, {@code job-complete} switches the guest's
 * device over to the copy. Jobs are created with {@code auto-dismiss: false}, so after a crash of the server
 * the job's end (switched over or not) can still be read from QEMU. The copy's format node gets a name of
 * its own ({@code <prefix><id>-<disk>}), written into the guest's command line in place of the old node's,
 * so a restarted guest has the nodes the registration names.
 */
final class QemuInstantGuests {

    /** The overlays' file name ending, after {@code <name>-disk<i>}. */
    static final String OVERLAY_EXTENSION = ".instant.qcow2";
    private static final String MOVED_EXTENSION = ".qcow2";
    private static final String NODE_PREFIX = "ir";
    private static final String JOB_PREFIX = "ir-move-";
    private static final Duration POLL = Duration.ofMillis(200);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final System.Logger LOG = System.getLogger(QemuInstantGuests.class.getName());

    private final QemuHypervisor host;
    private final TrustedExecutables qemuImg =
            new TrustedExecutables(List.of(QemuConfig.DEFAULT_QEMU_IMG), QemuConfig.QEMU_IMG_KEY);

    QemuInstantGuests(QemuHypervisor host) {
        this.host = host;
    }

    GuestInfo startFromPoint(Path pointFiles, String name, UUID recoveryId) {
        Path dir = host.newGuestDirectory(name);
        Path point;
        LaunchFiles.Launch launch;
        try {
            point = pointFiles.toRealPath();
            launch = LaunchFiles.read(point, dir);
        } catch (IOException | HostException e) {
            throw new InvalidGuestSpecException("restorePoint", "the restore point is not a QEMU guest's that can run"
                    + " from its files: " + e.getMessage());
        }
        List<Path> sources = new ArrayList<>();
        for (GuestRegistration.Disk disk : launch.disks()) {
            sources.add(source(point, dir, disk, launch.commandLine()));
        }
        OwnedFolder folder;
        try {
            folder = OwnedFolder.create(dir, InstantGuests.PURPOSE, recoveryId);
        } catch (IOException | NotOwnedException e) {
            throw new HostException("cannot make the folder " + dir + " of instant recovery " + recoveryId + ": "
                    + e.getMessage(), false, e);
        }
        List<String> made = new ArrayList<>();
        try {
            List<GuestRegistration.Disk> overlays = new ArrayList<>();
            Map<String, String> drivers = new HashMap<>();
            for (int i = 0; i < launch.disks().size(); i++) {
                GuestRegistration.Disk disk = launch.disks().get(i);
                made.add(Path.of(disk.file()).getFileName().toString());
                made.add(GuestNames.fileName(name) + "-disk" + i + OVERLAY_EXTENSION);
                run(List.of(qemuImg(), "create", "-q", "-f", "qcow2", "-F", disk.format(), "-b",
                        sources.get(i).toString(), disk.file()));
                overlays.add(new GuestRegistration.Disk(disk.node(), disk.file(), "qcow2", disk.device()));
                drivers.put(disk.node(), "qcow2");
            }
            LaunchFiles.Launch onOverlays = new LaunchFiles.Launch(launch.memoryBytes(), overlays, launch.qmpSocket(),
                    launch.agentSocket(), launch.pidFile(), CommandLine.rewrite(launch.commandLine(), Map.of(), drivers));
            GuestRegistration registration = GuestClone.of(onOverlays, dir, name, host.runFolder(name),
                    host.binaries(), OVERLAY_EXTENSION);
            host.keepNew(registration);
            host.start(name);
            return host.guest(name);
        } catch (IOException | RuntimeException e) {
            try {
                throwAway(name, folder, made);
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            if (e instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new HostException("starting guest '" + name + "' from the restore point failed: " + e.getMessage(),
                    false, e);
        }
    }

    /**
     * The point's copy of a disk, which becomes the backing file of the new guest's overlay: a regular file
     * right in the point's folder (no link, nothing outside it), in a format QEMU can back an overlay with,
     * opened by a {@code -blockdev} whose node the move can rename.
     */
    private static Path source(Path point, Path dir, GuestRegistration.Disk disk, List<String> argv) {
        Path inNewFolder = Path.of(disk.file()).normalize();
        if (!dir.equals(inNewFolder.getParent())) {
            throw new InvalidGuestSpecException("restorePoint", "disk " + disk.file() + " is not in the guest's own"
                    + " folder; instant recovery runs guests whose disks are in their folder");
        }
        Path source = point.resolve(inNewFolder.getFileName().toString());
        if (!Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidGuestSpecException("restorePoint", "the restore point holds no disk file "
                    + source.getFileName() + " that its launch.json names");
        }
        if (!disk.format().equals("qcow2") && !disk.format().equals("raw")) {
            throw new InvalidGuestSpecException("restorePoint", "disk " + source.getFileName() + " is "
                    + disk.format() + "; instant recovery runs qcow2 and raw disks");
        }
        if (!CommandLine.blockdevNodes(argv).contains(disk.node())) {
            throw new InvalidGuestSpecException("restorePoint", "the guest's command line does not open disk node '"
                    + disk.node() + "' with -blockdev; instant recovery needs disks given with -blockdev");
        }
        return source;
    }

    /**
     * The folder {@code target} for the copies: the guest's own, which is marked as the recovery's already,
     * or another, which is marked now (so a crash leaves only what the marker lets recovery remove).
     */
    private static OwnedFolder targetFolder(GuestRegistration guest, UUID recoveryId, Path target) throws IOException {
        if (sameFile(target, guest.directoryPath())) {
            return OwnedFolder.open(target, InstantGuests.PURPOSE, recoveryId);
        }
        return OwnedFolder.create(target, InstantGuests.PURPOSE, recoveryId);
    }

    void moveDisks(String ref, UUID recoveryId, Path target, long bytesPerSecond,
            Consumer<InstantGuests.MoveProgress> progress) {
        QemuGuest guest = host.guestNamed(ref);
        GuestRegistration registration = guest.registration();
        List<GuestRegistration.Disk> disks = registration.disks();
        QmpClient qmp = guest.qmp();
        Duration command = host.deadlines().command();
        Path folder;
        try {
            folder = targetFolder(registration, recoveryId, target).path();
        } catch (IOException | NotOwnedException e) {
            throw new HostException("cannot use " + target + " for the disks of guest '" + ref + "': " + e.getMessage(),
                    false, e);
        }
        try {
            Map<String, JsonNode> nodes = namedNodes(qmp, command);
            for (int i = 0; i < disks.size(); i++) {
                GuestRegistration.Disk disk = disks.get(i);
                JsonNode node = nodes.get(disk.node());
                if (node == null) {
                    throw new HostException("guest '" + ref + "' has no block node '" + disk.node() + "'");
                }
                Path copy = movedFile(folder, ref, i);
                if (Files.exists(copy, LinkOption.NOFOLLOW_LINKS)) {
                    throw new HostException(copy + " exists already; Stillpoint does not overwrite it");
                }
                run(List.of(qemuImg(), "create", "-q", "-f", "qcow2", copy.toString(),
                        Long.toString(node.path("image").path("virtual-size").asLong())));
                Map<String, Object> add = new LinkedHashMap<>();
                add.put("driver", "qcow2");
                add.put("node-name", movedNode(recoveryId, i));
                add.put("file", Map.of("driver", "file", "filename", copy.toString(), "node-name",
                        movedNode(recoveryId, i) + "-file"));
                qmp.execute("blockdev-add", add, command);
                qmp.execute("blockdev-mirror", Map.of("job-id", jobId(recoveryId, i), "device", disk.node(),
                        "target", movedNode(recoveryId, i), "sync", "full", "auto-dismiss", false,
                        "speed", Math.max(0, bytesPerSecond)), command);
            }
            awaitReady(qmp, recoveryId, disks.size(), progress);
            for (int i = 0; i < disks.size(); i++) {
                qmp.execute("job-complete", Map.of("id", jobId(recoveryId, i)), command);
            }
            awaitConcluded(qmp, recoveryId, disks.size());
        } catch (IOException | RuntimeException e) {
            try {
                if (!switchedOver(guest, recoveryId)) {
                    undo(guest, recoveryId, folder);
                }
            } catch (IOException | RuntimeException undo) {
                e.addSuppressed(undo);
            }
            if (e instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new HostException("moving the disks of guest '" + ref + "' failed: " + e.getMessage(), false, e);
        }
        try {
            finish(guest, recoveryId, folder);
        } catch (IOException e) {
            throw new HostException("guest '" + ref + "' runs from its new disks in " + folder + ", but tidying up"
                    + " after the move failed: " + e.getMessage(), false, e);
        }
    }

    InstantGuests.MoveOutcome resumeMove(String ref, UUID recoveryId, Path target) {
        QemuGuest guest = host.guestNamed(ref);
        Path folder = target;
        try {
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                return InstantGuests.MoveOutcome.UNDONE;
            }
            folder = target.toRealPath();
            if (movedAlready(guest.registration(), recoveryId)) {
                return InstantGuests.MoveOutcome.FINISHED;
            }
            if (guest.alive()) {
                QmpClient qmp = guest.qmp();
                List<JsonNode> jobs = ourJobs(qmp, recoveryId);
                boolean anySwitched = switchedOver(guest, recoveryId);
                boolean allReady = !jobs.isEmpty() && jobs.stream().allMatch(j -> j.path("status").asText().equals("ready")
                        || j.path("status").asText().equals("concluded") && !j.has("error"));
                if (anySwitched && allReady) {
                    for (JsonNode job : jobs) {
                        if (job.path("status").asText().equals("ready")) {
                            qmp.execute("job-complete", Map.of("id", job.path("id").asText()), host.deadlines().command());
                        }
                    }
                    awaitConcluded(qmp, recoveryId, guest.registration().disks().size());
                }
                if (anySwitched && switchedOverAll(guest, recoveryId)) {
                    finish(guest, recoveryId, folder);
                    return InstantGuests.MoveOutcome.FINISHED;
                }
            }
            undo(guest, recoveryId, folder);
            return InstantGuests.MoveOutcome.UNDONE;
        } catch (IOException e) {
            throw new HostException("resuming the move of guest '" + ref + "' into " + folder + " failed: "
                    + e.getMessage(), false, e);
        }
    }

    void discard(String ref, UUID recoveryId) {
        QemuGuest guest = host.guestNamed(ref);
        try {
            GuestRegistration registration = guest.registration();
            OwnedFolder folder = OwnedFolder.open(registration.directoryPath(), InstantGuests.PURPOSE, recoveryId);
            List<String> overlays = registration.diskPaths().stream()
                    .filter(d -> d.getParent().equals(folder.path()))
                    .map(d -> d.getFileName().toString())
                    .filter(n -> n.endsWith(OVERLAY_EXTENSION))
                    .toList();
            throwAway(ref, folder, overlays);
        } catch (IOException | NotOwnedException e) {
            throw new HostException("discarding guest '" + ref + "' failed: " + e.getMessage(), false, e);
        }
    }

    /**
     * Quits the guest's QEMU, forgets it and deletes what the recovery made in its marked folder: the files
     * named {@code made} (regular files only) and the launch files, then the marker and the folder if that
     * emptied it.
     */
    private void throwAway(String name, OwnedFolder folder, List<String> made) throws IOException {
        try {
            host.guestNamed(name).quitNow();
        } catch (GuestNotFoundException notRegistered) {
            // the start failed before the guest was registered: there is no QEMU to end
        }
        host.forget(name);
        List<String> names = new ArrayList<>(made);
        names.addAll(List.of(LaunchFiles.LAUNCH_JSON, LaunchFiles.START_SCRIPT));
        for (String entry : names) {
            if (Files.isRegularFile(folder.path().resolve(entry), LinkOption.NOFOLLOW_LINKS)) {
                NoFollowDelete.entry(folder.path(), entry);
            }
        }
        if (!folder.release()) {
            LOG.log(System.Logger.Level.WARNING, "the folder " + folder.path() + " of discarded guest '" + name
                    + "' holds files Stillpoint did not make; it is left, unmarked");
        }
    }

    /**
     * After the switch-over: how the guest starts names the copies and their nodes, the old nodes (which
     * hold the overlays and, through them, the point's files open) are closed, the overlays deleted and the
     * folders unmarked. Each step is skipped once done, so recovery can run it again.
     */
    private void finish(QemuGuest guest, UUID recoveryId, Path folder) throws IOException {
        GuestRegistration before = guest.registration();
        Path oldFolder = before.directoryPath();
        Duration command = host.deadlines().command();
        if (!movedAlready(before, recoveryId)) {
            List<GuestRegistration.Disk> moved = new ArrayList<>();
            Map<String, String> renames = new HashMap<>();
            List<String> argv = new ArrayList<>();
            for (int i = 0; i < before.disks().size(); i++) {
                GuestRegistration.Disk disk = before.disks().get(i);
                String copy = movedFile(folder, before.name(), i).toString();
                moved.add(new GuestRegistration.Disk(movedNode(recoveryId, i), copy, "qcow2", disk.device()));
                renames.put(disk.node(), movedNode(recoveryId, i));
            }
            for (String arg : before.commandLine()) {
                String rewritten = arg;
                for (int i = 0; i < before.disks().size(); i++) {
                    rewritten = rewritten.replace(before.disks().get(i).file(), moved.get(i).file());
                }
                argv.add(rewritten);
            }
            argv = CommandLine.rewrite(argv, renames, Map.of());
            host.replace(new GuestRegistration(before.name(), folder.toString(), before.memoryBytes(), moved,
                    before.qmpSocket(), before.agentSocket(), before.pidFile(), argv, before.binary(), before.ownerUid()));
            if (guest.alive()) {
                QmpClient qmp = guest.qmp();
                for (JsonNode job : ourJobs(qmp, recoveryId)) {
                    qmp.execute("job-dismiss", Map.of("id", job.path("id").asText()), command);
                }
                Map<String, JsonNode> nodes = namedNodes(qmp, command);
                for (GuestRegistration.Disk disk : before.disks()) {
                    if (nodes.containsKey(disk.node())) {
                        qmp.execute("blockdev-del", Map.of("node-name", disk.node()), command);
                    }
                }
                // The overlays' protocol nodes, named on the command line, outlive their format nodes.
                for (JsonNode node : namedNodes(qmp, command).values()) {
                    String file = node.path("file").asText();
                    if (node.path("drv").asText().equals("file")
                            && before.disks().stream().anyMatch(d -> d.file().equals(file))) {
                        qmp.execute("blockdev-del", Map.of("node-name", node.path("node-name").asText()), command);
                    }
                }
            }
            for (GuestRegistration.Disk disk : before.disks()) {
                Path overlay = Path.of(disk.file());
                if (overlay.getParent().equals(oldFolder)
                        && overlay.getFileName().toString().endsWith(OVERLAY_EXTENSION)
                        && Files.isRegularFile(overlay, LinkOption.NOFOLLOW_LINKS)) {
                    NoFollowDelete.entry(oldFolder, overlay.getFileName().toString());
                }
            }
        }
        Path current = guest.registration().directoryPath();
        if (!sameFile(oldFolder, current) && Files.isDirectory(oldFolder, LinkOption.NOFOLLOW_LINKS)) {
            try {
                OwnedFolder old = OwnedFolder.open(oldFolder, InstantGuests.PURPOSE, recoveryId);
                for (String launchFile : List.of(LaunchFiles.LAUNCH_JSON, LaunchFiles.START_SCRIPT)) {
                    if (Files.isRegularFile(old.path().resolve(launchFile), LinkOption.NOFOLLOW_LINKS)) {
                        NoFollowDelete.entry(old.path(), launchFile);
                    }
                }
                old.release();
            } catch (NotOwnedException gone) {
                LOG.log(System.Logger.Level.DEBUG, "the recovery's first folder is no longer marked: " + gone.getMessage());
            }
        }
        if (OwnedFolder.read(current).filter(o -> o.id().equals(recoveryId)).isPresent()) {
            OwnedFolder.open(current, InstantGuests.PURPOSE, recoveryId).disown();
        }
    }

    /** Cancels the recovery's jobs, closes the copies' nodes and deletes the copies: the guest runs on as before. */
    private void undo(QemuGuest guest, UUID recoveryId, Path folder) throws IOException {
        GuestRegistration registration = guest.registration();
        if (guest.alive()) {
            QmpClient qmp = guest.qmp();
            Duration command = host.deadlines().command();
            for (JsonNode job : ourJobs(qmp, recoveryId)) {
                if (!job.path("status").asText().equals("concluded")) {
                    qmp.execute("job-cancel", Map.of("id", job.path("id").asText()), command);
                }
            }
            awaitConcluded(qmp, recoveryId, 0);
            for (JsonNode job : ourJobs(qmp, recoveryId)) {
                qmp.execute("job-dismiss", Map.of("id", job.path("id").asText()), command);
            }
            for (int i = 0; i < registration.disks().size(); i++) {
                // The protocol node, added inline with its format node, goes with it.
                for (String node : List.of(movedNode(recoveryId, i), movedNode(recoveryId, i) + "-file")) {
                    if (namedNodes(qmp, command).containsKey(node)) {
                        qmp.execute("blockdev-del", Map.of("node-name", node), command);
                    }
                }
            }
        }
        for (int i = 0; i < registration.disks().size(); i++) {
            Path copy = movedFile(folder, registration.name(), i);
            if (Files.isRegularFile(copy, LinkOption.NOFOLLOW_LINKS)) {
                NoFollowDelete.entry(folder, copy.getFileName().toString());
            }
        }
        if (!sameFile(folder, registration.directoryPath())) {
            try {
                OwnedFolder.open(folder, InstantGuests.PURPOSE, recoveryId).release();
            } catch (NotOwnedException notOurs) {
                LOG.log(System.Logger.Level.DEBUG, "not releasing " + folder + ": " + notOurs.getMessage());
            }
        }
    }

    private void awaitReady(QmpClient qmp, UUID recoveryId, int count, Consumer<InstantGuests.MoveProgress> progress) {
        Duration stall = host.deadlines().job();
        long lastDone = -1;
        long lastChange = System.nanoTime();
        while (true) {
            List<JsonNode> jobs = ourJobs(qmp, recoveryId);
            long done = 0;
            long total = 0;
            boolean ready = jobs.size() == count;
            for (JsonNode job : jobs) {
                String status = job.path("status").asText();
                if (job.has("error") || status.equals("concluded") || status.equals("aborting")) {
                    throw new HostException("the copy " + job.path("id").asText() + " ended before it was switched"
                            + " to: " + job.path("error").asText(status));
                }
                done += job.path("current-progress").asLong();
                total += job.path("total-progress").asLong();
                ready &= status.equals("ready");
            }
            progress.accept(new InstantGuests.MoveProgress(done, total, ready));
            if (ready) {
                return;
            }
            if (done != lastDone) {
                lastDone = done;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange > stall.toNanos()) {
                throw new HostException("the disk copies made no progress for " + stall.toSeconds() + " s");
            }
            sleep();
        }
    }

    /** Waits until every job of the recovery has concluded; fails on a job that concluded with an error. */
    private void awaitConcluded(QmpClient qmp, UUID recoveryId, int atLeast) {
        long until = System.nanoTime() + host.deadlines().job().toNanos();
        while (true) {
            List<JsonNode> jobs = ourJobs(qmp, recoveryId);
            if (jobs.size() >= atLeast && jobs.stream().allMatch(j -> j.path("status").asText().equals("concluded"))) {
                for (JsonNode job : jobs) {
                    if (job.has("error") && atLeast > 0) {
                        throw new HostException("the copy " + job.path("id").asText() + " failed: "
                                + job.path("error").asText());
                    }
                }
                return;
            }
            if (System.nanoTime() > until) {
                throw new HostException("the disk copies did not end within " + host.deadlines().job().toSeconds() + " s");
            }
            sleep();
        }
    }

    /** Whether a device of the guest already runs on a copy (QEMU switched it over). */
    private boolean switchedOver(QemuGuest guest, UUID recoveryId) {
        return switchedCount(guest, recoveryId) > 0;
    }

    private boolean switchedOverAll(QemuGuest guest, UUID recoveryId) {
        return switchedCount(guest, recoveryId) == guest.registration().disks().size();
    }

    private int switchedCount(QemuGuest guest, UUID recoveryId) {
        if (!guest.alive()) {
            return 0;
        }
        int switched = 0;
        List<String> moved = new ArrayList<>();
        for (int i = 0; i < guest.registration().disks().size(); i++) {
            moved.add(movedNode(recoveryId, i));
        }
        for (JsonNode block : guest.qmp().execute("query-block", null, host.deadlines().command())) {
            if (moved.contains(block.path("inserted").path("node-name").asText())) {
                switched++;
            }
        }
        return switched;
    }

    private static boolean movedAlready(GuestRegistration registration, UUID recoveryId) {
        return !registration.disks().isEmpty() && registration.disks().get(0).node().equals(movedNode(recoveryId, 0));
    }

    private List<JsonNode> ourJobs(QmpClient qmp, UUID recoveryId) {
        List<JsonNode> jobs = new ArrayList<>();
        for (JsonNode job : qmp.execute("query-jobs", null, host.deadlines().command())) {
            if (job.path("id").asText().startsWith(JOB_PREFIX + tag(recoveryId))) {
                jobs.add(job);
            }
        }
        return jobs;
    }

    private static Map<String, JsonNode> namedNodes(QmpClient qmp, Duration deadline) {
        Map<String, JsonNode> nodes = new LinkedHashMap<>();
        for (JsonNode node : qmp.execute("query-named-block-nodes", Map.of("flat", true), deadline)) {
            nodes.put(node.path("node-name").asText(), node);
        }
        return nodes;
    }

    static String movedNode(UUID recoveryId, int disk) {
        return NODE_PREFIX + tag(recoveryId) + "-" + disk;
    }

    private static String jobId(UUID recoveryId, int disk) {
        return JOB_PREFIX + tag(recoveryId) + "-" + disk;
    }

    private static String tag(UUID recoveryId) {
        return recoveryId.toString().substring(0, 8);
    }

    static Path movedFile(Path folder, String guestName, int disk) {
        return folder.resolve(GuestNames.fileName(guestName) + "-disk" + disk + MOVED_EXTENSION);
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return a.equals(b) || Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    private String qemuImg() throws IOException {
        try {
            return qemuImg.vet(qemuImg.allowed().get(0)).toString();
        } catch (UntrustedExecutableException e) {
            throw new IOException("qemu-img " + e.getMessage(), e);
        }
    }

    private static String run(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(command.get(1) + " of qemu-img did not finish within 60 s");
            }
            if (process.exitValue() != 0) {
                throw new IOException("qemu-img " + command.get(1) + " exited " + process.exitValue() + ": " + out.strip());
            }
            return out;
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while qemu-img ran", e);
        }
    }

    private static void sleep() {
        try {
            TimeUnit.MILLISECONDS.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostException("interrupted while the disks were copied", true, e);
        }
    }

    /**
     * Edits a QEMU command line's {@code -blockdev} and {@code -device} options, in either of their forms
     * (JSON, or {@code key=value,...} where a comma in a value is doubled).
     */
    static final class CommandLine {

        private CommandLine() {}

        /** The node names given by the command line's {@code -blockdev}s. */
        static List<String> blockdevNodes(List<String> argv) {
            List<String> nodes = new ArrayList<>();
            for (int i = 1; i < argv.size(); i++) {
                if (argv.get(i - 1).equals("-blockdev")) {
                    get(argv.get(i), "node-name").ifPresent(nodes::add);
                }
            }
            return nodes;
        }

        /**
         * @param renames old node name to new, for the {@code -blockdev} that names it and every {@code
         *     -device} that attaches it
         * @param drivers node name to the format driver its {@code -blockdev} is to have
         */
        static List<String> rewrite(List<String> argv, Map<String, String> renames, Map<String, String> drivers) {
            List<String> out = new ArrayList<>();
            out.add(argv.get(0));
            for (int i = 1; i < argv.size(); i++) {
                String value = argv.get(i);
                String option = argv.get(i - 1);
                if (option.equals("-blockdev")) {
                    Optional<String> node = get(value, "node-name");
                    if (node.isPresent() && drivers.containsKey(node.get())) {
                        value = set(value, "driver", drivers.get(node.get()));
                    }
                    if (node.isPresent() && renames.containsKey(node.get())) {
                        value = set(value, "node-name", renames.get(node.get()));
                    }
                } else if (option.equals("-device")) {
                    Optional<String> drive = get(value, "drive");
                    if (drive.isPresent() && renames.containsKey(drive.get())) {
                        value = set(value, "drive", renames.get(drive.get()));
                    }
                }
                out.add(value);
            }
            return out;
        }

        static Optional<String> get(String value, String key) {
            if (value.startsWith("{")) {
                JsonNode field = json(value).get(key);
                return field != null && field.isTextual() ? Optional.of(field.asText()) : Optional.empty();
            }
            for (String part : split(value)) {
                if (part.startsWith(key + "=")) {
                    return Optional.of(part.substring(key.length() + 1).replace(",,", ","));
                }
            }
            return Optional.empty();
        }

        static String set(String value, String key, String newValue) {
            if (value.startsWith("{")) {
                ObjectNode node = json(value);
                node.put(key, newValue);
                return node.toString();
            }
            List<String> parts = split(value);
            String part = key + "=" + newValue.replace(",", ",,");
            boolean replaced = false;
            for (int i = 0; i < parts.size(); i++) {
                if (parts.get(i).startsWith(key + "=")) {
                    parts.set(i, part);
                    replaced = true;
                }
            }
            if (!replaced) {
                parts.add(part);
            }
            return String.join(",", parts);
        }

        /** The comma-separated parts, each as written (a doubled comma stays doubled). */
        private static List<String> split(String value) {
            List<String> parts = new ArrayList<>();
            StringBuilder part = new StringBuilder();
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == ',' && i + 1 < value.length() && value.charAt(i + 1) == ',') {
                    part.append(",,");
                    i++;
                } else if (c == ',') {
                    parts.add(part.toString());
                    part.setLength(0);
                } else {
                    part.append(c);
                }
            }
            parts.add(part.toString());
            return parts;
        }

        private static ObjectNode json(String value) {
            try {
                return (ObjectNode) JSON.readTree(value);
            } catch (IOException | ClassCastException e) {
                throw new HostException("the command line has an option that is not a JSON object: " + value);
            }
        }
    }
}
