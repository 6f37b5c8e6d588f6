package io.stillpoint.writer.hypervvss;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
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
    private static final String RELEASE = "release";

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
     * Releases sessions a dead process left. Their hold scripts are told to finish first: a diskshadow
     * that outlived the server then unexposes, ends the backup and deletes its shadow copies itself,
     * which is the clean way. Whatever is still exposed after the release deadline (the diskshadow died
     * too, e.g. in a reboot) is deleted by mount folder.
     */
    @Override
    public void recover(Hypervisor host) {
        HyperVSettings settings = hyperV(host).settings();
        MountRoot mountRoot = MountRoot.of(settings);
        Path root = mountRoot.server();
        if (!Files.isDirectory(root)) {
            return;
        }
        try {
            List<Path> stale;
            try (Stream<Path> folders = Files.list(root)) {
                stale = folders.filter(Files::isDirectory).toList();
            }
            for (Path snapshot : stale) {
                Files.writeString(snapshot.resolve(RELEASE), "released by recovery\n");
            }
            long deadline = System.nanoTime() + settings.releaseTimeout().toNanos();
            for (Path snapshot : stale) {
                List<Path> exposed = exposed(snapshot);
                while (!exposed.isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                    exposed = exposed(snapshot);
                }
                if (!exposed.isEmpty()) {
                    runCleanup(settings, mountRoot, snapshot, List.of(), exposed.stream().map(mountRoot::host).toList());
                }
                deleteTree(snapshot);
            }
        } catch (IOException e) {
            throw new SnapshotException("recovering shadow copies on host '" + host.name() + "' failed: "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SnapshotException("recovering shadow copies on host '" + host.name() + "' was interrupted", e);
        }
    }

    /** The snapshot's mount folders that still show a shadow copy. */
    private static List<Path> exposed(Path snapshot) throws IOException {
        List<Path> exposed = new ArrayList<>();
        try (Stream<Path> mounts = Files.list(snapshot)) {
            for (Path mount : mounts.filter(Files::isDirectory).toList()) {
                if (!isEmpty(mount)) {
                    exposed.add(mount);
                }
            }
        }
        return exposed;
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
            String id = UUID.randomUUID().toString();
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
                for (Path mount : mounts.values()) {
                    Files.createDirectories(mount);
                }
                Path hold = folder.resolve("hold.cmd");
                Files.writeString(hold, DiskShadowScript.holdScript(mountRoot.host(folder.resolve(RELEASE)),
                        settings.maxExposure()), StandardCharsets.US_ASCII);
                Path script = folder.resolve("snapshot.dsh");
                Files.writeString(script, DiskShadowScript.render(mountRoot.host(written), shadows,
                        mountRoot.host(hold)), StandardCharsets.US_ASCII);
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
            if (!Files.isDirectory(folder)) {
                return;
            }
            List<String> ids = new ArrayList<>(DiskShadowSession.shadowIds(session == null ? "" : session.output()).values());
            try {
                if (!ids.isEmpty()) {
                    runCleanup(settings, MountRoot.of(settings), folder, ids, List.of());
                }
                deleteTree(folder);
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
                Files.writeString(folder.resolve(RELEASE), "copied\n");
                Optional<Integer> exit = session.awaitExit(settings.releaseTimeout());
                if (exit.isEmpty() || exit.get() != 0) {
                    String said = session.output();
                    session.kill();
                    runCleanup(settings, mountRoot, folder, shadowIds, List.of());
                    deleteTree(folder);
                    released = true;
                    throw new SnapshotException(what + " failed: " + exit
                            .map(code -> "diskshadow exited " + code + " " + DiskShadowSession.failure(said))
                            .orElse("diskshadow did not finish within " + settings.releaseTimeout())
                            + "; the shadow copies were deleted, but the Hyper-V VSS writer did not get BackupComplete");
                }
                deleteTree(folder);
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
        Files.writeString(script, DiskShadowScript.cleanup(ids, exposed), StandardCharsets.US_ASCII);
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

    /**
     * Only ever called on the snapshot's own folder once its shadow copies are unexposed or deleted, so it
     * never walks into a mounted shadow copy.
     */
    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
