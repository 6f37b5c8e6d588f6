package io.stillpoint.host.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.stillpoint.fs.Durable;
import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.fs.UntrustedExecutableException;
import io.stillpoint.host.GuestHold;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestNames;
import io.stillpoint.host.GuestNotFoundException;
import io.stillpoint.host.GuestSpec;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.HostCapabilities;
import io.stillpoint.host.HostException;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.InstantGuests;
import io.stillpoint.host.InvalidGuestSpecException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A QEMU/KVM host reached over QMP. Guests are registered while they run (their QMP socket, optionally
 * their guest agent's socket); Stillpoint reads their name, memory and disks over QMP and their command
 * line from {@code /proc/<pid>/cmdline}, and keeps that registration as {@code <root>/guests/<file name>.json}
 * so it can start the guest again after a stop, a save-state or a restore. The guest's folder (the common
 * folder of its disks) gets a {@code launch.json} and {@code start.sh} beside the disks.
 *
 * <p>Stillpoint starts a guest again with its own rights, so it registers only a QEMU that runs as its
 * own user (the whole command line is that user's choice, and QEMU options such as {@code -netdev
 * tap,script=} or {@code -plugin} run programs of their own), and only one whose executable, read from
 * {@code /proc/<pid>/exe} and never from {@code argv[0]}, is on the server's allow-list ({@link
 * QemuConfig#binaries()}). That vetted executable is recorded, vetted again before every start, and is
 * what runs: {@code argv[0]} of the recorded command line never is.
 *
 * <p>Each guest needs a QMP socket of its own for Stillpoint: QEMU serves one client per socket.
 */
public final class QemuHypervisor implements Hypervisor, InstantGuests {

    public static final String KIND = "qemu";
    public static final String QMP_SOCKET = "qmpSocket";
    public static final String GUEST_AGENT_SOCKET = "guestAgentSocket";
    public static final String PID_FILE = "pidFile";
    public static final String NAME = "name";
    /** Node names of Stillpoint's overlays start with this; recovery looks for it in the block graph. */
    public static final String OVERLAY_NODE_PREFIX = "sp-ovl-";

    /** Files of a guest's folder besides its disks that belong in a backup: how to start it, and its saved state. */
    public static final List<String> GUEST_FILES =
            List.of(LaunchFiles.LAUNCH_JSON, LaunchFiles.START_SCRIPT, QemuGuest.VMSTATE_FILE);

    private static final Pattern OVERLAY_FILE = Pattern.compile(".+\\.sp-([0-9a-f]{8})\\.qcow2");

    private static final HostCapabilities CAPABILITIES = new HostCapabilities(true, true, true, true, false, true);
    private static final String REGISTRATIONS = "guests";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final System.Logger LOG = System.getLogger(QemuHypervisor.class.getName());

    private final String name;
    private final Path root;
    private final QemuDeadlines deadlines;
    private final TrustedExecutables binaries;
    private final Map<String, QemuGuest> guests = new ConcurrentHashMap<>();
    private final QemuInstantGuests instant = new QemuInstantGuests(this);

    /** Opens the host with the default allow-list of QEMU executables ({@link QemuConfig#DEFAULT_BINARIES}). */
    public QemuHypervisor(String name, Path root, QemuDeadlines deadlines) throws IOException {
        this(name, root, deadlines, new TrustedExecutables(List.of(QemuConfig.DEFAULT_BINARIES.split(",")),
                QemuConfig.BINARIES_KEY));
    }

    /**
     * Opens the host on {@code root}, finding the registered guests' QEMU processes again.
     *
     * @param binaries the QEMU executables the server's configuration allows
     */
    public QemuHypervisor(String name, Path root, QemuDeadlines deadlines, TrustedExecutables binaries)
            throws IOException {
        this.name = Objects.requireNonNull(name, "name");
        this.root = Files.createDirectories(root);
        this.deadlines = deadlines;
        this.binaries = binaries;
        Files.createDirectories(registrations());
        try (DirectoryStream<Path> files = Files.newDirectoryStream(registrations(), "*.json")) {
            for (Path file : files) {
                try {
                    GuestRegistration registration = JSON.readValue(file.toFile(), GuestRegistration.class);
                    long pid = registration.pidFile() == null ? findPid(Path.of(registration.qmpSocket())) : -1;
                    guests.put(registration.name(), newGuest(registration, pid));
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "QEMU host '" + name + "': skipping " + file + ": " + e.getMessage());
                }
            }
        }
        guests.values().forEach(this::thawIfLeftFrozen);
        guests.values().forEach(this::recordExecutableIfUnknown);
    }

    /**
     * A registration from before Stillpoint vetted executables does not say which one runs the guest. While
     * the guest runs, its process says so, and passes the checks a new registration passes, or the guest
     * stays registered but is not started by Stillpoint until it does.
     */
    private void recordExecutableIfUnknown(QemuGuest guest) {
        GuestRegistration registration = guest.registration();
        if (registration.binary() != null || !guest.alive()) {
            return;
        }
        try {
            QemuProcess process = QemuProcess.of(guest.pid()).orElseThrow(() -> new HostException("its QEMU process "
                    + guest.pid() + " is gone"));
            GuestRegistration vetted = registration.vetted(vet(process, registration.name(), QMP_SOCKET),
                    process.owner());
            LaunchFiles.write(vetted);
            Durable.write(registrationFile(vetted.name()), JSON.writeValueAsBytes(vetted));
            guest.update(vetted);
        } catch (IOException | HostException e) {
            LOG.log(System.Logger.Level.WARNING, "QEMU host '" + name + "': guest '" + registration.name()
                    + "' was registered before Stillpoint checked QEMU executables, and Stillpoint will not start it"
                    + " again: " + e.getMessage());
        }
    }

    /** The guest agent keeps a guest frozen until told otherwise; a Stillpoint that died may not have. */
    private void thawIfLeftFrozen(QemuGuest guest) {
        String agent = guest.registration().agentSocket();
        if (agent == null || !Files.exists(guest.frozenMarker())) {
            return;
        }
        try {
            guest.thaw(new QgaClient(Path.of(agent)));
            LOG.log(System.Logger.Level.WARNING, "QEMU host '" + name + "': thawed guest '" + guest.name()
                    + "', which a run left frozen");
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "QEMU host '" + name + "': guest '" + guest.name()
                    + "' may still be frozen and could not be thawed: " + e.getMessage());
        }
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public String name() {
        return name;
    }

    public Path root() {
        return root;
    }

    /**
     * The host's own folder (registrations, sockets, guests restored as new) and the folder of each guest
     * registered there, read from the registrations alone.
     */
    static List<Path> folders(Path root) {
        List<Path> folders = new ArrayList<>();
        folders.add(root);
        Path registrations = root.resolve(REGISTRATIONS);
        if (!Files.isDirectory(registrations)) {
            return folders;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(registrations, "*.json")) {
            for (Path file : files) {
                try {
                    folders.add(JSON.readValue(file.toFile(), GuestRegistration.class).directoryPath());
                } catch (IOException | RuntimeException unreadable) {
                    LOG.log(System.Logger.Level.WARNING, "QEMU host on " + root + ": cannot read " + file + ": "
                            + unreadable.getMessage());
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "QEMU host on " + root + ": cannot list its guests: " + e.getMessage());
        }
        return folders;
    }

    public QemuDeadlines deadlines() {
        return deadlines;
    }

    @Override
    public HostCapabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public List<GuestInfo> guests() {
        return guests.values().stream().map(QemuGuest::info).sorted(Comparator.comparing(GuestInfo::name)).toList();
    }

    @Override
    public GuestInfo guest(String ref) {
        return find(ref).info();
    }

    @Override
    public GuestInfo create(GuestSpec spec) {
        throw new HostException("host '" + name + "' (qemu) does not create guests; register a running one by its QMP socket");
    }

    /**
     * Registers a running guest. Settings: {@code qmpSocket} (required; a QMP socket Stillpoint may keep
     * for itself), {@code guestAgentSocket} (optional; the host end of the guest agent's channel), {@code
     * pidFile} (optional; otherwise QEMU's {@code -pidfile}, otherwise the process that listens on the QMP
     * socket), {@code name} (optional; otherwise QEMU's {@code -name}). The process must listen on the QMP
     * socket, run as Stillpoint's own user, and run an allowed QEMU executable (see the class comment).
     */
    @Override
    public synchronized GuestInfo register(Map<String, String> settings) {
        Path qmpSocket = path(settings, QMP_SOCKET, true);
        Path agentSocket = path(settings, GUEST_AGENT_SOCKET, false);
        Path pidFileSetting = path(settings, PID_FILE, false);
        for (QemuGuest other : guests.values()) {
            // QEMU serves one client per socket: a second connection would wait for the greeting in vain.
            if (other.registration().qmpSocket().equals(qmpSocket.toString())
                    || QemuProcess.sameFile(Path.of(other.registration().qmpSocket()), qmpSocket)) {
                throw new InvalidGuestSpecException(QMP_SOCKET, "guest '" + other.name() + "' is registered with "
                        + qmpSocket + " already");
            }
        }
        String guestName;
        long memory;
        List<GuestRegistration.Disk> disks = new ArrayList<>();
        try (QmpClient client = QmpClient.connect(qmpSocket, deadlines.command())) {
            guestName = settings.getOrDefault(NAME, client.execute("query-name", null, deadlines.command())
                    .path("name").asText(""));
            memory = client.execute("query-memory-size-summary", null, deadlines.command()).path("base-memory").asLong();
            for (JsonNode block : client.execute("query-block", null, deadlines.command())) {
                JsonNode inserted = block.get("inserted");
                if (inserted == null) {
                    continue;
                }
                String node = inserted.path("node-name").asText();
                if (node.startsWith(OVERLAY_NODE_PREFIX)) {
                    throw new InvalidGuestSpecException(QMP_SOCKET, "disk node '" + node + "' is a Stillpoint overlay"
                            + " still waiting to be merged; let the writer's recovery commit it first");
                }
                String format = inserted.path("drv").asText();
                if (!format.equals("qcow2") && !format.equals("raw")) {
                    throw new InvalidGuestSpecException(QMP_SOCKET, "disk node '" + node + "' is " + format
                            + "; Stillpoint snapshots qcow2 and raw disks");
                }
                disks.add(new GuestRegistration.Disk(node, inserted.path("file").asText(), format,
                        block.path("qdev").asText()));
            }
        } catch (InvalidGuestSpecException e) {
            throw e;
        } catch (HostException e) {
            throw new InvalidGuestSpecException(QMP_SOCKET, "no QEMU answers on " + qmpSocket + ": " + e.getMessage());
        }
        if (guestName.isEmpty()) {
            throw new InvalidGuestSpecException(NAME, "the guest needs a name: QEMU's -name, or the 'name' setting");
        }
        GuestNames.check(NAME, guestName);
        requireNewName(guestName);
        if (disks.isEmpty()) {
            throw new InvalidGuestSpecException(QMP_SOCKET, "guest '" + guestName + "' has no disk to back up");
        }
        String processField = pidFileSetting != null ? PID_FILE : QMP_SOCKET;
        long pid = pidFileSetting != null ? readPid(pidFileSetting) : findPid(qmpSocket);
        if (pid <= 0) {
            throw new InvalidGuestSpecException(PID_FILE, "cannot find the QEMU process of guest '" + guestName
                    + "'; give its pid file");
        }
        if (!QemuProcess.holds(pid, qmpSocket)) {
            throw new InvalidGuestSpecException(processField, "process " + pid + " does not listen on the QMP socket "
                    + qmpSocket + ", so it is not the QEMU of guest '" + guestName + "'");
        }
        QemuProcess process = QemuProcess.of(pid).orElseThrow(() -> new InvalidGuestSpecException(processField,
                "the QEMU process " + pid + " of guest '" + guestName + "' is gone"));
        Path binary = vet(process, guestName, processField);
        List<String> argv = process.commandLine();
        if (argv.isEmpty()) {
            throw new InvalidGuestSpecException(processField, "cannot read the command line of process " + pid);
        }
        String pidFile = pidFileSetting != null ? pidFileSetting.toString() : option(argv, "-pidfile");
        Path directory = commonParent(disks);
        for (QemuGuest other : guests.values()) {
            if (other.registration().directoryPath().equals(directory)
                    || QemuProcess.sameFile(other.registration().directoryPath(), directory)) {
                throw new InvalidGuestSpecException(QMP_SOCKET, "guest '" + other.name() + "' has its disks in "
                        + directory + " already; each guest needs a folder of its own");
            }
        }
        GuestRegistration registration = new GuestRegistration(guestName, directory.toString(), memory, disks,
                qmpSocket.toString(), agentSocket == null ? null : agentSocket.toString(), pidFile, argv,
                binary.toString(), process.owner());
        try {
            return keep(registration, pid);
        } catch (IOException e) {
            throw new HostException("registering guest '" + guestName + "' on host '" + name + "' failed: "
                    + e.getMessage(), false, e);
        }
    }

    /**
     * The executable of a guest's QEMU process, if Stillpoint may start it again: the process runs as
     * Stillpoint's own user, and the kernel's link to its executable names an allowed QEMU.
     *
     * @throws InvalidGuestSpecException naming {@code field} otherwise
     */
    private Path vet(QemuProcess process, String guestName, String field) {
        long own = TrustedExecutables.ownUid();
        if (!process.runsAs(own)) {
            throw new InvalidGuestSpecException(field, "the QEMU process " + process.pid() + " of guest '" + guestName
                    + "' runs as uid " + process.owner() + ", not as Stillpoint's own user (uid " + own + "); Stillpoint"
                    + " starts a guest again with its own rights and that user's command line, so it registers only"
                    + " a QEMU of its own user");
        }
        if (process.executableReplaced()) {
            throw new InvalidGuestSpecException(field, "the executable of QEMU process " + process.pid() + " of guest '"
                    + guestName + "' was replaced or removed since it started (" + process.executable()
                    + "); restart the guest, then register it");
        }
        try {
            return binaries.vet(process.executable());
        } catch (UntrustedExecutableException e) {
            throw new InvalidGuestSpecException(field, "the QEMU process " + process.pid() + " of guest '" + guestName
                    + "' runs a program Stillpoint may not start: " + e.getMessage());
        }
    }

    /** Refuses a name a guest has, or one whose files would be another guest's. */
    private void requireNewName(String guestName) {
        if (guests.containsKey(guestName)) {
            throw new InvalidGuestSpecException(NAME, "host '" + name + "' has a guest named '" + guestName + "' already");
        }
        String fileName = GuestNames.fileName(guestName);
        for (QemuGuest other : guests.values()) {
            if (GuestNames.fileName(other.name()).equalsIgnoreCase(fileName)) {
                throw new InvalidGuestSpecException(NAME, "'" + guestName + "' would keep its files as '" + fileName
                        + "', as guest '" + other.name() + "' does; choose another name");
            }
        }
    }

    /**
     * {@code <root>/vms/<file name>}. Refused when the name is taken or the clone's sockets, under {@code
     * <root>/run/<file name>/}, would not fit a Unix socket path.
     */
    @Override
    public Path newGuestDirectory(String guestName) {
        GuestNames.check(NAME, guestName);
        requireNewName(guestName);
        Path directory = guestDirectory(guestName);
        if (Files.exists(directory)) {
            throw new InvalidGuestSpecException(NAME, "the folder " + directory + " for a guest named '" + guestName
                    + "' exists already on host '" + name + "'");
        }
        String socket = GuestClone.longestSocket(runDirectory(guestName));
        if (!GuestClone.fitsUnixSocket(socket)) {
            throw new InvalidGuestSpecException(NAME, "the guest's QMP socket " + socket + " would be longer than the "
                    + GuestClone.MAX_SOCKET_PATH + " bytes a Unix socket may have; choose a shorter name");
        }
        return directory;
    }

    /**
     * Registers a restored guest folder as a new guest: disks renamed after it, a new SMBIOS UUID and new
     * MACs, its own QMP socket and pid file (see {@link GuestClone}). The guest is OFF, or SAVED when the
     * folder holds saved memory; its NICs then resume with the saved device state, the original's MACs,
     * until the guest is stopped and started cold.
     */
    @Override
    public synchronized GuestInfo importGuest(Path directory, String guestName) {
        GuestNames.check(NAME, guestName);
        if (!directory.equals(guestDirectory(guestName))) {
            throw new HostException("a new guest '" + guestName + "' must be at " + guestDirectory(guestName));
        }
        requireNewName(guestName);
        try {
            GuestRegistration registration = GuestClone.of(directory, guestName, runDirectory(guestName), binaries);
            Files.createDirectories(runDirectory(guestName));
            return keep(registration, -1);
        } catch (IOException e) {
            throw new HostException("registering the restored guest '" + guestName + "' on host '" + name
                    + "' failed: " + e.getMessage(), false, e);
        }
    }

    /** A guest made by {@link QemuInstantGuests}: registered as a new one, with a run folder of its own. */
    synchronized GuestInfo keepNew(GuestRegistration registration) throws IOException {
        requireNewName(registration.name());
        Files.createDirectories(runDirectory(registration.name()));
        return keep(registration, -1);
    }

    /** Takes a guest's new registration (its disks moved), and how it starts, as the host's record of it. */
    void replace(GuestRegistration registration) throws IOException {
        LaunchFiles.write(registration);
        Durable.write(registrationFile(registration.name()), JSON.writeValueAsBytes(registration));
        find(registration.name()).update(registration);
    }

    /** Forgets a guest whose QEMU has quit: no longer listed, its registration file gone. */
    synchronized void forget(String guestName) throws IOException {
        QemuGuest guest = guests.remove(guestName);
        if (guest != null) {
            guest.closeQmp();
        }
        Files.deleteIfExists(registrationFile(guestName));
    }

    QemuGuest guestNamed(String ref) {
        return find(ref);
    }

    TrustedExecutables binaries() {
        return binaries;
    }

    Path runFolder(String guestName) {
        return runDirectory(guestName);
    }

    @Override
    public GuestInfo startFromPoint(Path pointFiles, String guestName, UUID recoveryId) {
        return instant.startFromPoint(pointFiles, guestName, recoveryId);
    }

    @Override
    public Path defaultMoveTarget(String ref) {
        return find(ref).registration().directoryPath();
    }

    @Override
    public void moveDisks(String ref, UUID recoveryId, Path target, long bytesPerSecond,
            Consumer<MoveProgress> progress) {
        instant.moveDisks(ref, recoveryId, target, bytesPerSecond, progress);
    }

    @Override
    public MoveOutcome resumeMove(String ref, UUID recoveryId, Path target) {
        return instant.resumeMove(ref, recoveryId, target);
    }

    @Override
    public void discard(String ref, UUID recoveryId) {
        instant.discard(ref, recoveryId);
    }

    /** Writes the guest's launch files and registration, then adds it to this host. */
    private GuestInfo keep(GuestRegistration registration, long pid) throws IOException {
        LaunchFiles.write(registration);
        Durable.write(registrationFile(registration.name()), JSON.writeValueAsBytes(registration));
        QemuGuest guest = newGuest(registration, pid);
        guests.put(registration.name(), guest);
        return guest.info();
    }

    private Path registrationFile(String guestName) {
        return registrations().resolve(GuestNames.fileName(guestName) + ".json");
    }

    private Path guestDirectory(String guestName) {
        return root.resolve("vms").resolve(GuestNames.fileName(guestName));
    }

    private Path runDirectory(String guestName) {
        return root.resolve("run").resolve(GuestNames.fileName(guestName));
    }

    @Override
    public GuestHold hold(String ref, HoldMode mode) {
        QemuGuest guest = find(ref);
        recordExecutableIfUnknown(guest);
        String agent = guest.registration().agentSocket();
        return guest.hold(Objects.requireNonNull(mode, "mode"), agent == null ? null : new QgaClient(Path.of(agent)));
    }

    @Override
    public void start(String ref) {
        find(ref).start();
    }

    @Override
    public void stop(String ref) {
        find(ref).stop();
    }

    @Override
    public void reload(String ref) {
        find(ref).reload();
    }

    /** The guest's registration: its folder, disks and node names, for the QEMU writer. */
    public GuestRegistration registration(String ref) {
        return find(ref).registration();
    }

    /** The guest's QMP connection, for the QEMU writer; fails if QEMU does not run. */
    public QmpClient qmp(String ref) {
        return find(ref).qmp();
    }

    /** Whether the guest's QEMU process exists. */
    public boolean isAlive(String ref) {
        return find(ref).alive();
    }

    @Override
    public void close() {
        guests.values().forEach(QemuGuest::closeQmp);
    }

    /** Whether a process exists and has not exited (a zombie has). */
    public static boolean processRunning(long pid) {
        return QemuGuest.running(pid);
    }

    /** Where the overlay of snapshot {@code id} on {@code disk} lives: beside the disk. */
    public static Path overlayFile(Path disk, String id) {
        return disk.resolveSibling(disk.getFileName() + ".sp-" + id + ".qcow2");
    }

    /** The block node name of the overlay of snapshot {@code id} on the guest's {@code index}-th disk. */
    public static String overlayNode(String id, int index) {
        return OVERLAY_NODE_PREFIX + id + "-" + index;
    }

    /** The snapshot id of an overlay file, if the file is one of Stillpoint's. */
    public static Optional<String> overlayId(Path file) {
        var matcher = OVERLAY_FILE.matcher(file.getFileName().toString());
        return matcher.matches() ? Optional.of(matcher.group(1)) : Optional.empty();
    }

    /**
     * Stillpoint's overlay files beside {@code disk}, of any snapshot: regular files only, since a link
     * named like an overlay leads to a file that is not one (see {@link #overlayNames}).
     */
    public static List<Path> overlayFiles(Path disk) throws IOException {
        List<Path> overlays = new ArrayList<>();
        for (Path named : overlayNames(disk)) {
            if (Files.isRegularFile(named, LinkOption.NOFOLLOW_LINKS)) {
                overlays.add(named);
            }
        }
        return overlays;
    }

    /** Every entry beside {@code disk} named like one of Stillpoint's overlays, links included. */
    public static List<Path> overlayNames(Path disk) throws IOException {
        List<Path> named = new ArrayList<>();
        try (DirectoryStream<Path> siblings = Files.newDirectoryStream(disk.getParent(), disk.getFileName() + ".sp-*.qcow2")) {
            for (Path sibling : siblings) {
                if (overlayFile(disk, overlayId(sibling).orElse("")).equals(sibling)) {
                    named.add(sibling);
                }
            }
        }
        return named;
    }

    private QemuGuest newGuest(GuestRegistration registration, long pid) {
        return new QemuGuest(name, deadlines, root.resolve("run"), binaries, registration, pid);
    }

    private QemuGuest find(String ref) {
        QemuGuest guest = ref == null ? null : guests.get(ref);
        if (guest == null) {
            throw new GuestNotFoundException(name, ref);
        }
        return guest;
    }

    private Path registrations() {
        return root.resolve(REGISTRATIONS);
    }

    private static Path path(Map<String, String> settings, String key, boolean required) {
        String value = settings.get(key);
        if (value == null || value.isBlank()) {
            if (required) {
                throw new InvalidGuestSpecException(key, "required");
            }
            return null;
        }
        try {
            Path path = Path.of(value);
            if (!path.isAbsolute()) {
                throw new InvalidGuestSpecException(key, "must be an absolute path, got '" + value + "'");
            }
            return path;
        } catch (InvalidPathException e) {
            throw new InvalidGuestSpecException(key, "not a valid path: '" + value + "'");
        }
    }

    private static Path commonParent(List<GuestRegistration.Disk> disks) {
        Path common = Path.of(disks.get(0).file()).getParent();
        for (GuestRegistration.Disk disk : disks) {
            while (!Path.of(disk.file()).startsWith(common)) {
                common = common.getParent();
            }
        }
        return common;
    }

    private static String option(List<String> argv, String flag) {
        int at = argv.indexOf(flag);
        return at >= 0 && at + 1 < argv.size() ? argv.get(at + 1) : null;
    }

    private static long readPid(Path pidFile) {
        try {
            return Long.parseLong(Files.readString(pidFile).trim());
        } catch (IOException | NumberFormatException e) {
            throw new InvalidGuestSpecException(PID_FILE, "cannot read a pid from " + pidFile + ": " + e.getMessage());
        }
    }

    /** The process that listens on {@code socket}; -1 if there is none. */
    public static long findPid(Path socket) {
        return QemuProcess.listeningOn(socket);
    }
}
