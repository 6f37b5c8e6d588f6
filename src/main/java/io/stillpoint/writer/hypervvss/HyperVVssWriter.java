package io.stillpoint.writer.hypervvss;

import io.stillpoint.fs.NoFollowDelete;
import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.fs.UntrustedExecutableException;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.HostException;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.hyperv.HyperVConfig;
import io.stillpoint.host.hyperv.HyperVHypervisor;
import io.stillpoint.host.hyperv.HyperVHypervisorFactory;
import io.stillpoint.host.hyperv.HyperVSettings;
import io.stillpoint.host.hyperv.PowerShell;
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
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Snapshots Hyper-V guests with the Hyper-V VSS writer {@value DiskShadowScript#HYPERV_WRITER_ID} through
 * diskshadow, the way admins script it by hand. Each volume holding the guest's files gets a persistent
 * shadow copy, exposed at a mount folder under {@code <mount root>/<snapshot id>/<alias>}; the view points
 * into those folders, so nothing is linked or copied into a shadow copy. The metadata document ({@code
 * backup.cab}) is written to the snapshot's work folder and kept with the restore point.
 *
 * <p>The diskshadow session runs from {@code create()} to {@code close()}: see {@link DiskShadowScript}.
 *
 * <p>A remote host (one reached through a PowerShell prefix) runs diskshadow itself, started through
 * the same prefix. The scripts, the release signal and the exposed files go through the mount root as
 * this server reaches it ({@link MountRoot}), and the metadata document, which diskshadow writes on the
 * host, is written into the snapshot's folder there and copied to the work folder from it.
 */
public final class HyperVVssWriter implements SnapshotWriter {

    public static final String KIND = "hyperv-vss";
    public static final String WINDOWS_ONLY = "Hyper-V VSS is only available on a Windows host";
    public static final String METADATA = "backup.cab";
    public static final String FACT_WRITER = "vss.writer";
    public static final String FACT_SHADOW_SET = "vss.shadowSet";
    /** Followed by a volume's label: its shadow copy id. */
    public static final String FACT_SHADOW_PREFIX = "vss.shadow.";
    /** Followed by a graft's place in the copy: the folder it came from on the host. */
    public static final String FACT_GRAFT_PREFIX = "graft.";
    static final String GRAFTS = "Volumes";
    /** What a snapshot folder's marker says it is for; its id is the snapshot's, which names the folder. */
    static final String PURPOSE = "hyperv-snapshot";
    private static final String RELEASE = "release";
    private static final String HOLD = "hold.cmd";
    /** Every file a snapshot folder may hold besides its mount folders. */
    private static final Set<String> EARLIER_FILES = Set.of(HOLD, RELEASE, "snapshot.dsh", "create.log", METADATA,
            "cleanup.dsh", "cleanup.log");
    private static final Pattern MOUNT_FOLDER = Pattern.compile("[A-Z]");
    private static final System.Logger LOG = System.getLogger(HyperVVssWriter.class.getName());

    private final HyperVConfig config;
    private final TrustedExecutables executables;

    public HyperVVssWriter(HyperVConfig config) {
        this.config = config;
        this.executables = HyperVHypervisorFactory.executables(config);
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public WriterAvailability availability() {
        return runningHere(executables, config.diskshadow());
    }

    /** A remote host runs its own diskshadow, started through its prefix; a local one needs it here. */
    @Override
    public WriterAvailability availabilityFor(Hypervisor host) {
        Optional<HyperVHypervisor> hyperV = host.unwrap(HyperVHypervisor.class);
        if (hyperV.isEmpty()) {
            return availability();
        }
        HyperVSettings settings = hyperV.get().settings();
        if (!settings.remote()) {
            return runningHere(settings.executables(), settings.diskshadow());
        }
        Map<String, String> details = details(settings.diskshadow());
        details.put("runsOn", "host '" + host.name() + "', through " + settings.remoteSession().orElseThrow().describe());
        return WriterAvailability.ready(details);
    }

    /** diskshadow here must be an allowed executable; away from Windows, the Windows default never is. */
    private static WriterAvailability runningHere(TrustedExecutables executables, String diskshadow) {
        try {
            executables.vet(diskshadow);
            return WriterAvailability.ready(details(diskshadow));
        } catch (UntrustedExecutableException e) {
            boolean windowsDefault = !HyperVHypervisorFactory.isWindows() && !HyperVHypervisorFactory.isAbsoluteHere(diskshadow);
            return WriterAvailability.unavailable(windowsDefault ? WINDOWS_ONLY : "diskshadow " + e.getMessage(),
                    details(diskshadow));
        }
    }

    private static Map<String, String> details(String diskshadow) {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("writerId", DiskShadowScript.HYPERV_WRITER_ID);
        details.put("writerName", "Microsoft Hyper-V VSS Writer");
        details.put("diskshadow", diskshadow);
        return details;
    }

    @Override
    public boolean supportsHost(String hostKind) {
        return HyperVHypervisor.KIND.equals(hostKind);
    }

    @Override
    public PreparedSnapshot prepare(Hypervisor host, GuestInfo guest, Path workDir) {
        HyperVHypervisor hyperV = hyperV(host);
        HyperVSettings settings = hyperV.settings();
        String what = "preparing a snapshot of VM '" + guest.name() + "' on host '" + host.name() + "'";
        WriterAvailability availability = availabilityFor(host);
        if (!availability.available()) {
            throw new SnapshotException(what + " failed: " + availability.reason());
        }
        try {
            GuestInfo now = hyperV.guest(guest.ref());
            return new Prepared(settings, now, Layout.of(now, new VolumePaths(settings.volumes())), workDir);
        } catch (HostException | IllegalArgumentException e) {
            throw new SnapshotException(what + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Releases sessions a dead process left. Only snapshot folders Stillpoint made are touched: folders of
     * the mount root named by a snapshot id and carrying Stillpoint's marker for that id (or, made by an
     * older Stillpoint without a marker, holding exactly what it made, see {@link #madeByEarlierVersion});
     * anything else in the mount root is named in the log and left as it is. Their hold scripts are told
     * to finish first: a diskshadow that outlived the server then unexposes, ends the backup and deletes its
     * shadow copies itself, which is the clean way. Whatever is still exposed after the release deadline (the
     * diskshadow died too, e.g. in a reboot) is deleted by mount folder, and a folder is removed only once
     * nothing is exposed in it any more.
     */
    @Override
    public void recover(Hypervisor host) {
        HyperVSettings settings = hyperV(host).settings();
        MountRoot mountRoot = MountRoot.of(settings);
        Path root = mountRoot.server();
        if (!Files.isDirectory(root)) {
            return;
        }
        List<String> failures = new ArrayList<>();
        try {
            List<Path> stale = new ArrayList<>();
            for (OwnedFolder.Entry entry : OwnedFolder.survey(root, PURPOSE)) {
                if (entry.owned().isPresent()) {
                    stale.add(root.resolve(entry.name()));
                } else if (entry.unmarked() && madeByEarlierVersion(root.resolve(entry.name()), mountRoot)) {
                    LOG.log(System.Logger.Level.INFO, "host '" + host.name() + "': " + entry.path()
                            + " is a snapshot folder of an earlier Stillpoint, without a marker; releasing it");
                    stale.add(root.resolve(entry.name()));
                } else {
                    LOG.log(System.Logger.Level.WARNING, "host '" + host.name() + "': left " + entry.path()
                            + " in the mount root as it is: it " + entry.why()
                            + ", and Stillpoint deletes only what it provably made");
                }
            }
            for (Path snapshot : stale) {
                writeOwn(snapshot.resolve(RELEASE), "released by recovery\n");
            }
            long deadline = System.nanoTime() + settings.releaseTimeout().toNanos();
            for (Path snapshot : stale) {
                try {
                    List<Path> exposed = exposed(snapshot);
                    while (!exposed.isEmpty() && System.nanoTime() < deadline) {
                        Thread.sleep(100);
                        exposed = exposed(snapshot);
                    }
                    if (!exposed.isEmpty()) {
                        runCleanup(settings, mountRoot, snapshot, List.of(),
                                exposed.stream().map(mountRoot::host).toList());
                    }
                    deleteFolder(root, snapshot.getFileName().toString());
                } catch (IOException | SnapshotException e) {
                    failures.add(snapshot + ": " + e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new SnapshotException("recovering shadow copies on host '" + host.name() + "' failed: "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SnapshotException("recovering shadow copies on host '" + host.name() + "' was interrupted", e);
        }
        if (!failures.isEmpty()) {
            throw new SnapshotException("recovering shadow copies on host '" + host.name() + "' failed for "
                    + failures);
        }
    }

    /**
     * A folder without a marker is taken for a snapshot folder of an earlier Stillpoint only when it holds
     * nothing but what that version put there (its scripts and logs, and the mount folders {@code A},
     * {@code B}, ...), and its hold script waits for this very folder's release file: no folder of anyone
     * else looks like that.
     */
    static boolean madeByEarlierVersion(Path folder, MountRoot mountRoot) throws IOException {
        boolean holdScript = false;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                BasicFileAttributes attributes = Files.readAttributes(entry, BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                if (attributes.isDirectory() && !attributes.isSymbolicLink() && MOUNT_FOLDER.matcher(name).matches()) {
                    continue;
                }
                if (!attributes.isRegularFile() || !EARLIER_FILES.contains(name)) {
                    return false;
                }
                if (name.equals(HOLD)) {
                    holdScript = attributes.size() < 4096 && Files.readString(entry, StandardCharsets.US_ASCII)
                            .contains("if exist \"" + mountRoot.host(folder.resolve(RELEASE)) + "\" exit /b 0");
                }
            }
        }
        return holdScript;
    }

    /** The snapshot's mount folders that still show a shadow copy. */
    private static List<Path> exposed(Path snapshot) throws IOException {
        List<Path> exposed = new ArrayList<>();
        try (Stream<Path> mounts = Files.list(snapshot)) {
            for (Path mount : mounts.filter(m -> Files.isDirectory(m, LinkOption.NOFOLLOW_LINKS)).toList()) {
                if (!isEmpty(mount)) {
                    exposed.add(mount);
                }
            }
        }
        return exposed;
    }

    /**
     * A file of a snapshot folder (script, release signal), written without following a link that may
     * have been put in its place: the mount root may be shared with others.
     */
    private static void writeOwn(Path file, String text) throws IOException {
        Files.write(file, text.getBytes(StandardCharsets.US_ASCII), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Removes a snapshot folder of this writer, {@code <mount root>/<name>}, once no shadow copy is exposed
     * in it: an exposed shadow copy is a mount point inside it, and a delete must never reach into one.
     * Nothing is followed while deleting (see {@link NoFollowDelete}).
     */
    private static void deleteFolder(Path root, String name) throws IOException {
        Path folder = root.resolve(name);
        if (!Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> exposed = exposed(folder);
        if (!exposed.isEmpty()) {
            throw new SnapshotException(folder + " was left in place: shadow copies are still exposed at " + exposed);
        }
        NoFollowDelete.entry(root, name);
    }

    private static HyperVHypervisor hyperV(Hypervisor host) {
        return host.unwrap(HyperVHypervisor.class).orElseThrow(() -> new SnapshotException(
                "the hyperv-vss writer only snapshots guests of a Hyper-V host; host '" + host.name() + "' is "
                        + host.kind()));
    }

    /**
     * Where the guest's files are: its folder, and any folders of disks outside it (often on another
     * volume), each on a volume that gets its own shadow copy.
     */
    record Layout(String directory, Map<String, String> grafts, List<VolumePaths.Volume> volumes,
            Map<String, VolumePaths.Volume> volumeOf) {

        static Layout of(GuestInfo guest, VolumePaths paths) {
            String directory = guest.directory().toString();
            Map<String, VolumePaths.Volume> volumeOf = new LinkedHashMap<>();
            List<VolumePaths.Volume> volumes = new ArrayList<>();
            VolumePaths.Volume home = paths.volumeOf(directory);
            volumes.add(home);
            volumeOf.put(directory, home);
            Map<String, String> grafts = new LinkedHashMap<>();
            for (Path disk : guest.disks()) {
                String file = disk.toString();
                if (VolumePaths.under(file, directory)) {
                    continue;
                }
                String folder = VolumePaths.parent(file);
                VolumePaths.Volume volume = paths.volumeOf(folder);
                if (!volumes.contains(volume)) {
                    volumes.add(volume);
                }
                volumeOf.put(folder, volume);
                grafts.putIfAbsent(GRAFTS + "/" + volume.label() + "/" + String.join("/", VolumePaths.within(volume, folder)),
                        folder);
            }
            for (String folder : grafts.values()) {
                onlyThisGuest(guest, folder);
            }
            return new Layout(directory, grafts, volumes, volumeOf);
        }

        /**
         * A disk folder outside the guest's folder is copied whole, so it must hold only this guest's
         * disks and their side files; copying other guests' disks silently would be worse than failing.
         */
        private static void onlyThisGuest(GuestInfo guest, String folder) {
            List<String> disks = guest.disks().stream().map(d -> VolumePaths.fileName(d.toString()))
                    .map(n -> n.replaceFirst("\\.[^.]+$", "").toLowerCase(Locale.ROOT)).toList();
            Path local = Path.of(folder);
            if (!Files.isDirectory(local)) {
                return;
            }
            try (Stream<Path> files = Files.list(local)) {
                List<String> foreign = files.map(f -> f.getFileName().toString())
                        .filter(n -> disks.stream().noneMatch(d -> n.toLowerCase(Locale.ROOT).startsWith(d)))
                        .sorted().toList();
                if (!foreign.isEmpty()) {
                    throw new IllegalArgumentException("the disk folder '" + folder + "' of VM '" + guest.name()
                            + "' also holds " + foreign + "; give each VM's disks a folder of their own");
                }
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot list the disk folder '" + folder + "': " + e.getMessage());
            }
        }
    }

    private final class Prepared implements PreparedSnapshot {
        private final HyperVSettings settings;
        private final GuestInfo guest;
        private final Layout layout;
        private final Path workDir;
        private boolean used;

        Prepared(HyperVSettings settings, GuestInfo guest, Layout layout, Path workDir) {
            this.settings = settings;
            this.guest = guest;
            this.layout = layout;
            this.workDir = workDir;
        }

        @Override
        public synchronized Snapshot create() {
            if (used) {
                throw new IllegalStateException("snapshot of VM '" + guest.name() + "' already created or closed");
            }
            used = true;
            UUID snapshotId = UUID.randomUUID();
            String id = snapshotId.toString();
            MountRoot mountRoot = MountRoot.of(settings);
            Path folder = mountRoot.server().resolve(id);
            Map<VolumePaths.Volume, Path> mounts = new LinkedHashMap<>();
            List<DiskShadowScript.Shadow> shadows = new ArrayList<>();
            char alias = 'A';
            for (VolumePaths.Volume volume : layout.volumes()) {
                Path mount = folder.resolve(String.valueOf(alias));
                mounts.put(volume, mount);
                shadows.add(new DiskShadowScript.Shadow(volume.name(), String.valueOf(alias), mountRoot.host(mount)));
                alias++;
            }
            Path cab = workDir.resolve(METADATA);
            // diskshadow writes the document where it runs; a remote host writes it into the snapshot's folder.
            Path written = settings.remote() ? folder.resolve(METADATA) : cab;
            Path output = folder.resolve("create.log");
            DiskShadowSession session = null;
            try {
                OwnedFolder.createNamedById(mountRoot.server(), PURPOSE, snapshotId);
                for (Path mount : mounts.values()) {
                    Files.createDirectory(mount);
                }
                Path hold = folder.resolve(HOLD);
                writeOwn(hold, DiskShadowScript.holdScript(mountRoot.host(folder.resolve(RELEASE)),
                        settings.maxExposure()));
                Path script = folder.resolve("snapshot.dsh");
                writeOwn(script, DiskShadowScript.render(mountRoot.host(written), shadows, mountRoot.host(hold)));
                session = DiskShadowSession.start(launcher(settings), mountRoot.host(script), output);
                if (!session.awaitExposed(shadows.size(), settings.snapshotTimeout())) {
                    String said = session.output();
                    Optional<Integer> exit = session.awaitExit(Duration.ZERO);
                    session.kill();
                    throw new SnapshotException(describe() + " failed: " + exit
                            .map(code -> "diskshadow exited " + code + " " + DiskShadowSession.failure(said))
                            .orElse("diskshadow did not expose the shadow copies within " + settings.snapshotTimeout()
                                    + " (" + DiskShadowSession.failure(said) + ")"));
                }
                Instant instant = Instant.now();
                if (settings.remote() && Files.isRegularFile(written)) {
                    Files.copy(written, cab, StandardCopyOption.REPLACE_EXISTING);
                }
                String said = session.output();
                Map<String, String> ids = DiskShadowSession.shadowIds(said);
                Map<String, String> facts = new LinkedHashMap<>();
                facts.put(FACT_WRITER, DiskShadowScript.HYPERV_WRITER_ID);
                DiskShadowSession.shadowSet(said).ifPresent(set -> facts.put(FACT_SHADOW_SET, set));
                for (DiskShadowScript.Shadow shadow : shadows) {
                    VolumePaths.Volume volume = layout.volumes().get(shadow.alias().charAt(0) - 'A');
                    facts.put(FACT_SHADOW_PREFIX + volume.label(), ids.getOrDefault(shadow.alias(), "unknown"));
                }
                Path root = VolumePaths.exposed(mounts.get(layout.volumes().get(0)), layout.volumes().get(0),
                        layout.directory());
                Map<String, Path> grafts = new LinkedHashMap<>();
                layout.grafts().forEach((at, from) -> {
                    VolumePaths.Volume volume = layout.volumeOf().get(from);
                    grafts.put(at, VolumePaths.exposed(mounts.get(volume), volume, from));
                    facts.put(FACT_GRAFT_PREFIX + at, from);
                });
                HyperVSnapshot snapshot = new HyperVSnapshot(settings, mountRoot, guest, id, folder, session, instant,
                        new SnapshotView(root, Map.of(METADATA, cab), grafts), facts, new ArrayList<>(ids.values()));
                if (!Files.isRegularFile(cab) || !Files.isDirectory(root)) {
                    String missing = !Files.isRegularFile(cab) ? "the metadata document " + cab
                            : "the VM folder in the shadow copy, " + root;
                    try {
                        snapshot.close();
                    } catch (SnapshotException releaseFailed) {
                        throw new SnapshotException(describe() + " failed: diskshadow reported success but "
                                + missing + " is missing; " + releaseFailed.getMessage(), releaseFailed);
                    }
                    throw new SnapshotException(describe() + " failed: diskshadow reported success but " + missing
                            + " is missing");
                }
                return snapshot;
            } catch (SnapshotException e) {
                cleanUp(session, folder, e);
                throw e;
            } catch (IOException | RuntimeException e) {
                SnapshotException failure = new SnapshotException(describe() + " failed: " + e.getMessage(), e);
                cleanUp(session, folder, failure);
                throw failure;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                SnapshotException failure = new SnapshotException(describe() + " was interrupted", e);
                cleanUp(session, folder, failure);
                throw failure;
            }
        }

        /**
         * A session that stopped half-way may have left persistent shadow copies (created, maybe exposed):
         * they are deleted by id, and the snapshot's folder goes.
         */
        private void cleanUp(DiskShadowSession session, Path folder, SnapshotException failure) {
            if (session != null && session.alive()) {
                session.kill();
            }
            List<String> ids = new ArrayList<>(DiskShadowSession.shadowIds(session == null ? "" : session.output()).values());
            try {
                if (OwnedFolder.read(folder).isEmpty()) {
                    return;
                }
                if (!ids.isEmpty()) {
                    runCleanup(settings, MountRoot.of(settings), folder, ids, List.of());
                }
                deleteFolder(folder.getParent(), folder.getFileName().toString());
            } catch (IOException | SnapshotException e) {
                failure.addSuppressed(e);
            }
        }

        private String describe() {
            return "snapshot of VM '" + guest.name() + "' with the Hyper-V VSS writer";
        }

        /** Nothing runs until create(), so there is nothing to undo. */
        @Override
        public synchronized void close() {
            used = true;
        }
    }

    private final class HyperVSnapshot extends AbstractSnapshot {
        private final HyperVSettings settings;
        private final MountRoot mountRoot;
        private final GuestInfo guest;
        private final String id;
        private final Path folder;
        private final DiskShadowSession session;
        private final List<String> shadowIds;
        private boolean released;

        HyperVSnapshot(HyperVSettings settings, MountRoot mountRoot, GuestInfo guest, String id, Path folder,
                DiskShadowSession session, Instant instant, SnapshotView view, Map<String, String> facts,
                List<String> shadowIds) {
            super(instant, view, facts);
            this.settings = settings;
            this.mountRoot = mountRoot;
            this.guest = guest;
            this.id = id;
            this.folder = folder;
            this.session = session;
            this.shadowIds = List.copyOf(shadowIds);
        }

        /**
         * Lets the hold script end, so diskshadow unexposes, ends the backup and deletes the shadow
         * copies in the session that began it. If it does not, the shadow copies are deleted by id and
         * the release still fails: the writer never got BackupComplete.
         */
        @Override
        public synchronized void close() {
            if (released) {
                return;
            }
            String what = "releasing snapshot " + id + " of VM '" + guest.name() + "'";
            try {
                writeOwn(folder.resolve(RELEASE), "copied\n");
                Optional<Integer> exit = session.awaitExit(settings.releaseTimeout());
                if (exit.isEmpty() || exit.get() != 0) {
                    String said = session.output();
                    session.kill();
                    runCleanup(settings, mountRoot, folder, shadowIds, List.of());
                    deleteFolder(folder.getParent(), id);
                    released = true;
                    throw new SnapshotException(what + " failed: " + exit
                            .map(code -> "diskshadow exited " + code + " " + DiskShadowSession.failure(said))
                            .orElse("diskshadow did not finish within " + settings.releaseTimeout())
                            + "; the shadow copies were deleted, but the Hyper-V VSS writer did not get BackupComplete");
                }
                deleteFolder(folder.getParent(), id);
                released = true;
            } catch (IOException e) {
                throw new SnapshotException(what + " failed: " + e.getMessage(), e);
            }
        }
    }

    /** @param exposed mount folders as the host names them */
    private static void runCleanup(HyperVSettings settings, MountRoot mountRoot, Path folder, List<String> ids,
            List<String> exposed) throws IOException {
        Path script = folder.resolve("cleanup.dsh");
        Path output = folder.resolve("cleanup.log");
        writeOwn(script, DiskShadowScript.cleanup(ids, exposed));
        Optional<Integer> exit = DiskShadowSession.run(launcher(settings), mountRoot.host(script), output,
                settings.releaseTimeout());
        if (exit.isEmpty() || exit.get() != 0) {
            String said = Files.exists(output) ? Files.readString(output) : "";
            throw new SnapshotException("deleting shadow copies " + ids + exposed + " failed: "
                    + exit.map(code -> "diskshadow exited " + code + " " + DiskShadowSession.failure(said))
                            .orElse("diskshadow did not finish within " + settings.releaseTimeout()));
        }
    }

    /** diskshadow on the host through PowerShell remoting, or here, vetted right before it starts. */
    private static DiskShadowSession.Launcher launcher(HyperVSettings settings) {
        if (settings.remote()) {
            return new DiskShadowSession.Launcher(settings.diskshadow(),
                    Optional.of(new PowerShell(settings.powershell(), settings.remoteSession())));
        }
        try {
            return new DiskShadowSession.Launcher(settings.localDiskshadow().toString(), Optional.empty());
        } catch (UntrustedExecutableException e) {
            throw new SnapshotException("diskshadow is not run: " + e.getMessage());
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }
}
