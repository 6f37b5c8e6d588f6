package io.stillpoint.host.libvirt;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import io.stillpoint.fs.Durable;
import io.stillpoint.fs.GeneratedNames;
import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.host.AbstractGuestHold;
import io.stillpoint.host.GuestHold;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestNames;
import io.stillpoint.host.GuestNotFoundException;
import io.stillpoint.host.GuestSpec;
import io.stillpoint.host.GuestState;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.HostCapabilities;
import io.stillpoint.host.HostException;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.InstantGuests;
import io.stillpoint.host.InvalidGuestSpecException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Every domain of one libvirt connection, reached through Stillpoint's own binding of {@code
 * libvirt.so.0} ({@link LibvirtNative}). A guest's ref is its domain UUID, which survives renames.
 * Domains defined or undefined on the host appear and vanish with the next {@link #guests()}.
 *
 * <p>Holds: {@code PAUSE} suspends and resumes the domain; {@code SAVE_STATE} saves its memory with
 * {@code virDomainSave} to {@code <root>/saved-state/<uuid>}, a folder Stillpoint marks as its own, and
 * restores from it when the hold ends or at the next {@link #start}, which is how a crash's leftover is
 * resumed; {@code FREEZE} freezes the guest's file systems through its guest agent, with a marker under
 * {@code <root>/frozen/} so that a Stillpoint that died frozen thaws the guest when it connects again;
 * {@code STOP} shuts the domain down, destroys it after the shutdown deadline, and starts it when the
 * hold ends. SAVE_STATE and STOP need a persistent domain: libvirt forgets a transient one once it stops.
 */
public final class LibvirtHypervisor implements Hypervisor, InstantGuests {

    public static final String KIND = "libvirt";
    /** The domain's definition in a restore point, as the libvirt writer keeps it. */
    public static final String DOMAIN_XML = "domain.xml";
    /** A save-state point's memory and device state, as {@code virDomainSave} wrote it, beside the definition. */
    public static final String SAVED_STATE = "vmstate.sav";
    /** Where libvirt keeps images unless told otherwise, readable by its QEMU. */
    public static final Path DEFAULT_IMAGE_DIR = Path.of("/var/lib/libvirt/images");
    static final String SAVED_STATE_PURPOSE = "libvirt-saved-state";

    private static final HostCapabilities CAPABILITIES = new HostCapabilities(true, true, true, true, false, false);
    private static final String SAVED_STATES = "saved-state";
    private static final String FROZEN = "frozen";
    private static final Duration POLL = Duration.ofMillis(50);
    private static final String NO_AGENT_CHANNEL = "no guest agent channel (" + DomainXml.AGENT_CHANNEL
            + ") is configured";
    private static final String AGENT_NOT_CONNECTED = "a guest agent channel is configured, but no agent is connected"
            + " to it (is qemu-guest-agent running in the guest?)";
    private static final System.Logger LOG = System.getLogger(LibvirtHypervisor.class.getName());

    private final String name;
    private final Path root;
    private final Path imageDir;
    private final LibvirtDeadlines deadlines;
    private final LibvirtConnection connection;
    private final LibvirtInstantGuests instant;
    private OwnedFolder savedStates;
    /** Domains this host is saving or restoring now, whose saved state is never stale. */
    private final Set<String> saving = ConcurrentHashMap.newKeySet();
    /** By domain UUID, the state this host's holds on now left each domain in. */
    private final Map<String, GuestState> held = new ConcurrentHashMap<>();

    /**
     * A host on {@code uri}, which must have passed {@link LibvirtUri#check}; nothing is connected yet.
     *
     * @param root the host's own folder on this server: saved states and freeze markers
     */
    public LibvirtHypervisor(String name, String uri, Path root, LibvirtDeadlines deadlines) {
        this(name, uri, root, DEFAULT_IMAGE_DIR, deadlines);
    }

    /** @param imageDir where domains restored as new ones get a folder each, {@code <imageDir>/<name>} */
    public LibvirtHypervisor(String name, String uri, Path root, Path imageDir, LibvirtDeadlines deadlines) {
        this.name = Objects.requireNonNull(name, "name");
        this.root = root;
        this.imageDir = imageDir;
        this.deadlines = deadlines;
        this.connection = new LibvirtConnection(name, LibvirtUri.check(uri));
        this.instant = new LibvirtInstantGuests(this, imageDir, deadlines.job());
    }

    /**
     * Connects once, and thaws any guest a Stillpoint that died during a freeze left frozen.
     *
     * @throws HostException if libvirt cannot be reached on the host's URI
     */
    public void connect() {
        connection.call("connecting", deadlines.command(), calls -> null);
        thawLeftFrozen();
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * The saved state a save-state hold of Stillpoint's left for the domain, which a start resumes from;
     * empty when there is none.
     */
    public Optional<Path> savedState(String ref) {
        String uuid = uuid(ref);
        return hasSavedState(uuid) ? Optional.of(savedStateFile(uuid)) : Optional.empty();
    }

    /** A folder of Stillpoint's own for this host's files, on this server. */
    public Path root() {
        return root;
    }

    /** {@code <imageDir>/<name>}, which must not exist yet, for a name no domain of the connection has. */
    @Override
    public Path newGuestDirectory(String guestName) {
        GuestNames.check("name", guestName);
        boolean taken = guests().stream().anyMatch(g -> g.name().equals(guestName));
        if (taken) {
            throw new InvalidGuestSpecException("name", "a domain called '" + guestName + "' already exists on host '"
                    + name + "'");
        }
        Path directory = imageDir.resolve(guestName);
        if (Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidGuestSpecException("name", directory + " already exists");
        }
        return directory;
    }

    /**
     * Defines the restored copy at {@code directory} as a new domain: the point's {@code domain.xml} with a
     * new name, a UUID and MAC addresses of libvirt's making, and each disk on its restored file ({@code
     * <target>/<file>}). The domain is shut off; a saved state in the copy is not resumed (its memory holds
     * the original's identity), so the new domain boots cold.
     */
    @Override
    public GuestInfo importGuest(Path directory, String guestName) {
        try {
            String definition = Files.readString(directory.resolve(DOMAIN_XML), StandardCharsets.UTF_8);
            Map<String, Path> disks = new LinkedHashMap<>();
            // libvirt's QEMU runs as its own user and must reach the disks.
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
            for (LibvirtBlocks.Disk disk : DomainXml.fileDisks(definition)) {
                Path folder = directory.resolve(disk.target());
                List<Path> files;
                try (Stream<Path> entries = Files.list(folder)) {
                    files = entries.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).toList();
                }
                if (files.size() != 1) {
                    throw new HostException("the restored copy has " + files.size() + " files for disk " + disk.target()
                            + " in " + folder + ", not one");
                }
                Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
                disks.put(disk.target(), files.get(0));
            }
            String uuid = blocks().define(DomainDefinitions.forNewDomain(definition, guestName, disks));
            return guest(uuid);
        } catch (IOException e) {
            throw new HostException("the restored copy at " + directory + " could not become domain '" + guestName
                    + "': " + e.getMessage(), false, e);
        }
    }

    /** A domain's disks share their folders with other domains' (libvirt's image folder): each is swapped alone. */
    @Override
    public boolean restoresInPlaceItself() {
        return true;
    }

    /**
     * Swaps each of the point's disks into the place its definition names ({@link DiskSwap}), then makes the
     * point's definition the domain's again (under the name the domain has now), and a save-state point's
     * memory the state a start resumes from. The domain must be shut off; a managed save of libvirt's or a
     * saved state of Stillpoint's would resume over the restored disks, so they go first.
     */
    @Override
    public void restoreInPlace(String ref, Path staged, UUID restoreId, boolean keepPrevious) {
        GuestInfo guest = guest(ref);
        if (guest.state() != GuestState.OFF && guest.state() != GuestState.SAVED) {
            throw new HostException("domain '" + guest.name() + "' is " + guest.state() + "; an in-place restore needs"
                    + " it shut off");
        }
        try {
            String definition = Files.readString(staged.resolve(DOMAIN_XML), StandardCharsets.UTF_8);
            List<LibvirtBlocks.Disk> disks = DomainXml.fileDisks(definition);
            blocks().removeManagedSave(guest.ref());
            discardSavedState(guest.ref());
            DiskSwap swap = diskSwap(staged, restoreId, disks);
            swap.swapIn();
            applyRestoredDefinition(guest.ref(), guest.name(), staged, definition, disks);
            swap.finish(keepPrevious, Instant.now());
        } catch (IOException e) {
            throw new HostException("restoring domain '" + guest.name() + "' in place failed: " + e.getMessage(), false, e);
        }
    }

    /**
     * Makes the point's definition the domain's, and moves a save-state point's memory, pointed at the
     * restored disks, to where a start resumes from. Run again after a crash, so each step may find itself
     * done: the saved state moves through a name of its own and then by one rename.
     */
    private void applyRestoredDefinition(String uuid, String guestName, Path staged, String definition,
            List<LibvirtBlocks.Disk> disks) throws IOException {
        blocks().define(DomainDefinitions.withName(definition, guestName));
        Path state = staged.resolve(SAVED_STATE);
        Path incoming = savedStates().path().resolve("." + uuid + ".restored");
        if (Files.isRegularFile(state, LinkOption.NOFOLLOW_LINKS)) {
            // The state's own definition named the snapshot's overlays; it resumes on the restored disks.
            blocks().defineSavedStateDisks(state, disks);
            Files.move(state, incoming, StandardCopyOption.REPLACE_EXISTING);
        }
        if (Files.isRegularFile(incoming, LinkOption.NOFOLLOW_LINKS)) {
            Durable.rename(incoming, savedStateFile(uuid));
        }
    }

    @Override
    public String rollBackInPlace(Path staged, UUID restoreId) {
        String definition;
        try {
            definition = Files.readString(staged.resolve(DOMAIN_XML), StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException noCopy) {
            return "no staged copy was left, so no disk had been replaced";
        } catch (IOException e) {
            throw new HostException("reading the staged definition " + staged.resolve(DOMAIN_XML) + " failed: "
                    + e.getMessage(), false, e);
        }
        List<LibvirtBlocks.Disk> disks = DomainXml.fileDisks(definition);
        DiskSwap swap = diskSwap(staged, restoreId, disks);
        try {
            if (!swap.swapped()) {
                return swap.rollBack();
            }
            // Every restored disk was in place: going back now could mix restored and replaced disks.
            String uuid = DomainXml.parse(definition).uuid();
            String guestName = guest(uuid).name();
            applyRestoredDefinition(uuid, guestName, staged, definition, disks);
            List<Path> kept = swap.keepAside(Instant.now());
            return "every restored disk of domain '" + guestName + "' was in place, so the restore was finished: its"
                    + " definition was applied again" + (kept.isEmpty() ? "" : "; the replaced disks are kept as "
                    + kept.stream().map(Path::toString).collect(Collectors.joining(", ")));
        } catch (IOException e) {
            throw new HostException("finishing or putting back the disks of an interrupted restore failed: "
                    + e.getMessage(), false, e);
        }
    }

    private static DiskSwap diskSwap(Path staged, UUID restoreId, List<LibvirtBlocks.Disk> disks) {
        Map<String, Path> files = new LinkedHashMap<>();
        disks.forEach(disk -> files.put(disk.target(), disk.file()));
        return new DiskSwap(staged, restoreId, files);
    }

    /** A new domain on overlays of the point's disks, in {@code <imageDir>/<name>}: see {@link LibvirtInstantGuests}. */
    @Override
    public GuestInfo startFromPoint(Path pointFiles, String guestName, UUID recoveryId) {
        return instant.startFromPoint(pointFiles, guestName, recoveryId);
    }

    @Override
    public Path defaultMoveTarget(String ref) {
        return instant.defaultMoveTarget(ref);
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

    /** Whether the host is this machine's libvirtd, so that its domains' disk files are this server's files. */
    public boolean isLocal() {
        return LibvirtUri.isLocal(connection.uri());
    }

    /** The domains' disks, checkpoints and snapshots, for the libvirt writer. */
    public LibvirtBlocks blocks() {
        return new LibvirtBlocks(connection, deadlines);
    }

    @Override
    public HostCapabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public List<GuestInfo> guests() {
        return connection.call("listing domains", deadlines.command(), calls -> calls.eachDomain(d -> {
            calls.lib.virResetLastError();
            try {
                return Optional.of(info(calls, d));
            } catch (HostException e) {
                // A transient domain that ended, or one undefined, after the listing: it is simply gone.
                if (calls.lib.virGetLastErrorCode() == LibvirtNative.VIR_ERR_NO_DOMAIN) {
                    return Optional.<GuestInfo>empty();
                }
                throw e;
            }
        })).stream().flatMap(Optional::stream).sorted(Comparator.comparing(GuestInfo::name)).toList();
    }

    @Override
    public GuestInfo guest(String ref) {
        String uuid = uuid(ref);
        return connection.call("reading domain " + uuid, deadlines.command(), calls -> calls.withDomain(uuid,
                d -> info(calls, d)));
    }

    /**
     * The guest's state alone, for a writer that must know it while the guest is held: as a hold of this
     * host's left it (no call: the hold's time is the guest's downtime), else read without the definition.
     */
    public GuestState state(String ref) {
        String uuid = uuid(ref);
        GuestState heldState = held.get(uuid);
        if (heldState != null) {
            return heldState;
        }
        return onDomain("reading the state of domain " + uuid, deadlines.command(), uuid,
                (calls, d) -> guestState(calls, d, uuid));
    }

    private GuestState guestState(LibvirtConnection.Calls calls, Pointer domain, String uuid) {
        int state = state(calls, domain);
        return guestState(state, state == LibvirtNative.VIR_DOMAIN_SHUTOFF && (hasSavedState(uuid)
                || calls.lib.virDomainHasManagedSaveImage(domain, 0) == 1));
    }

    private GuestInfo info(LibvirtConnection.Calls calls, Pointer domain) {
        DomainXml xml = DomainXml.parse(calls.xml(domain));
        int state = state(calls, domain);
        boolean saved = state == LibvirtNative.VIR_DOMAIN_SHUTOFF
                && (hasSavedState(xml.uuid()) || calls.lib.virDomainHasManagedSaveImage(domain, 0) == 1);
        if (state == LibvirtNative.VIR_DOMAIN_RUNNING && !saving.contains(xml.uuid()) && hasSavedState(xml.uuid())) {
            discardStaleSavedState(xml.uuid(), xml.name());
        }
        String blocked = xml.blockedReason() != null ? xml.blockedReason()
                : xml.disks().isEmpty() ? "the domain has no disk to back up" : null;
        Path directory = xml.disks().isEmpty() ? root : xml.disks().get(0).getParent();
        GuestState guestState = guestState(state, saved);
        // A channel alone quiesces nothing: a running guest can quiesce once an agent is connected to it.
        boolean canQuiesce = xml.agentConfigured() && (guestState != GuestState.RUNNING || xml.agentConnected());
        return new GuestInfo(xml.uuid(), xml.name(), guestState, canQuiesce, xml.memoryBytes(), xml.guestOs(), directory,
                xml.disks(), blocked, quiesceNote(xml, guestState));
    }

    private static String quiesceNote(DomainXml xml, GuestState state) {
        if (!xml.agentConfigured()) {
            return NO_AGENT_CHANNEL;
        }
        if (state != GuestState.RUNNING) {
            return "a guest agent channel is configured; whether an agent answers on it shows once the domain runs";
        }
        return xml.agentConnected() ? "a guest agent is connected" : AGENT_NOT_CONNECTED;
    }

    /** How libvirt's domain states map to Stillpoint's. */
    static GuestState guestState(int libvirtState, boolean saved) {
        return switch (libvirtState) {
            case LibvirtNative.VIR_DOMAIN_RUNNING, LibvirtNative.VIR_DOMAIN_BLOCKED -> GuestState.RUNNING;
            case LibvirtNative.VIR_DOMAIN_PAUSED, LibvirtNative.VIR_DOMAIN_PMSUSPENDED -> GuestState.PAUSED;
            case LibvirtNative.VIR_DOMAIN_SHUTOFF -> saved ? GuestState.SAVED : GuestState.OFF;
            default -> GuestState.OFF;
        };
    }

    private static int state(LibvirtConnection.Calls calls, Pointer domain) {
        IntByReference state = new IntByReference();
        IntByReference reason = new IntByReference();
        calls.check(calls.lib.virDomainGetState(domain, state, reason, 0), "reading a domain's state");
        return state.getValue();
    }

    @Override
    public GuestInfo create(GuestSpec spec) {
        throw new HostException("host '" + name + "' (libvirt) does not create guests; define a domain in libvirt and"
                + " it appears at the next refresh");
    }

    @Override
    public GuestHold hold(String ref, HoldMode mode) {
        Objects.requireNonNull(mode, "mode");
        if (mode == HoldMode.PAUSE) {
            return pause(uuid(ref));
        }
        GuestInfo guest = guest(ref);
        String uuid = guest.ref();
        if (guest.state() != GuestState.RUNNING) {
            return new Hold(mode, guest.state(), true, () -> { });
        }
        switch (mode) {
            case FREEZE -> {
                freeze(guest);
                return held(mode, uuid, GuestState.RUNNING, () -> thaw(uuid, guest.name()));
            }
            case SAVE_STATE -> {
                requirePersistent(guest, "save its state");
                save(guest);
                return held(mode, uuid, GuestState.SAVED, () -> start(uuid));
            }
            case STOP -> {
                requirePersistent(guest, "stop it");
                try {
                    stop(uuid);
                } catch (HostException e) {
                    startAfterFailedHold(uuid, e);
                    throw e;
                }
                return held(mode, uuid, GuestState.OFF, () -> start(uuid));
            }
            default -> throw new IllegalArgumentException(mode.name());
        }
    }

    /**
     * The whole pause counts as the guest's downtime, so it reads no definition: one lookup, the state and
     * the suspend; and the resume only resumes, unless the guest is no longer paused as the hold left it.
     */
    private GuestHold pause(String uuid) {
        GuestState prior = onDomain("pausing domain " + uuid, deadlines.command(), uuid, (calls, d) -> {
            GuestState state = guestState(calls, d, uuid);
            if (state == GuestState.RUNNING) {
                calls.check(calls.lib.virDomainSuspend(d), "pausing guest '" + calls.lib.virDomainGetName(d) + "'");
            }
            return state;
        });
        if (prior != GuestState.RUNNING) {
            return new Hold(HoldMode.PAUSE, prior, true, () -> { });
        }
        return held(HoldMode.PAUSE, uuid, GuestState.PAUSED, () -> {
            boolean resumed = onDomain("resuming domain " + uuid, deadlines.command(), uuid,
                    (calls, d) -> calls.lib.virDomainResume(d) == 0);
            if (!resumed) {
                start(uuid);
            }
        });
    }

    private GuestHold held(HoldMode mode, String uuid, GuestState heldState, Runnable resume) {
        held.put(uuid, heldState);
        return new Hold(mode, GuestState.RUNNING, false, () -> {
            held.remove(uuid);
            resume.run();
        });
    }

    private void requirePersistent(GuestInfo guest, String what) {
        boolean persistent = onDomain("reading guest '" + guest.name() + "'", deadlines.command(), guest.ref(),
                (calls, d) -> calls.check(calls.lib.virDomainIsPersistent(d), "reading guest '" + guest.name() + "'") == 1);
        if (!persistent) {
            throw new HostException("guest '" + guest.name() + "' is a transient domain, which libvirt forgets once it"
                    + " stops, so Stillpoint cannot " + what + "; define it persistently, or use pause or online");
        }
    }

    private void freeze(GuestInfo guest) {
        DomainXml xml = onDomain("reading guest '" + guest.name() + "'", deadlines.command(), guest.ref(),
                (calls, d) -> DomainXml.parse(calls.xml(d)));
        if (!xml.agentConfigured() || !xml.agentConnected()) {
            throw new HostException("guest '" + guest.name() + "' cannot quiesce itself now: "
                    + (xml.agentConfigured() ? AGENT_NOT_CONNECTED : NO_AGENT_CHANNEL) + "; use pause, save-state or stop");
        }
        Path marker = frozenMarker(guest.ref());
        try {
            Files.createDirectories(marker.getParent());
            Files.writeString(marker, guest.name(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new HostException("guest '" + guest.name() + "' was not frozen: its marker " + marker
                    + " could not be written: " + e.getMessage(), false, e);
        }
        String what = "freezing guest '" + guest.name() + "' through its guest agent";
        int frozen;
        try {
            frozen = onDomain(what, deadlines.freeze(), guest.ref(),
                    (calls, d) -> calls.check(calls.lib.virDomainFSFreeze(d, null, 0, 0), what));
        } catch (HostException e) {
            if (!e.transientFailure()) {
                // libvirt answered with an error: the agent froze nothing, or thawed what it had frozen.
                deleteFrozenMarker(guest.ref(), guest.name());
                throw e;
            }
            // No answer in time: the guest may be frozen; thaw it, and keep the marker if that fails too.
            try {
                thaw(guest.ref(), guest.name());
            } catch (HostException stillFrozen) {
                e.addSuppressed(stillFrozen);
            }
            throw e;
        }
        if (frozen == 0) {
            // Nothing frozen is nothing quiesced: the point would claim a consistency it does not have.
            thaw(guest.ref(), guest.name());
            throw new HostException("guest '" + guest.name() + "' cannot quiesce itself: its guest agent froze no file"
                    + " system; use pause, save-state or stop");
        }
    }

    private void thaw(String uuid, String guestName) {
        String what = "thawing guest '" + guestName + "' through its guest agent";
        onDomain(what, deadlines.freeze(), uuid, (calls, d) -> calls.check(calls.lib.virDomainFSThaw(d, null, 0, 0), what));
        deleteFrozenMarker(uuid, guestName);
    }

    private void deleteFrozenMarker(String uuid, String guestName) {
        try {
            Files.deleteIfExists(frozenMarker(uuid));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "the freeze marker of guest '" + guestName + "' could not be"
                    + " removed: " + e.getMessage());
        }
    }

    private void thawLeftFrozen() {
        Path frozen = root.resolve(FROZEN);
        if (!Files.isDirectory(frozen, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (DirectoryStream<Path> markers = Files.newDirectoryStream(frozen)) {
            for (Path marker : markers) {
                String uuid = marker.getFileName().toString();
                if (!GeneratedNames.isUuid(uuid)) {
                    continue;
                }
                try {
                    thaw(uuid, uuid);
                    LOG.log(System.Logger.Level.WARNING, "libvirt host '" + name + "': thawed domain " + uuid
                            + ", which a run left frozen");
                } catch (GuestNotFoundException gone) {
                    Files.deleteIfExists(marker);
                } catch (HostException e) {
                    LOG.log(System.Logger.Level.ERROR, "libvirt host '" + name + "': domain " + uuid + " may still be"
                            + " frozen and could not be thawed: " + e.getMessage());
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "libvirt host '" + name + "': cannot read " + frozen + ": " + e.getMessage());
        }
    }

    private void save(GuestInfo guest) {
        Path file;
        try {
            OwnedFolder folder = savedStates();
            folder.deleteGenerated(guest.ref());
            file = folder.path().resolve(guest.ref());
        } catch (IOException e) {
            throw new HostException("the state of guest '" + guest.name() + "' was not saved: its folder under " + root
                    + " is not usable: " + e.getMessage(), false, e);
        }
        String what = "saving the state of guest '" + guest.name() + "' to " + file;
        saving.add(guest.ref());
        try {
            onDomain(what, deadlines.save(), guest.ref(),
                    (calls, d) -> calls.check(calls.lib.virDomainSave(d, file.toString()), what));
        } catch (HostException e) {
            startAfterFailedHold(guest.ref(), e);
            throw e;
        } finally {
            saving.remove(guest.ref());
        }
    }

    private void startAfterFailedHold(String uuid, HostException failure) {
        try {
            start(uuid);
        } catch (HostException notStarted) {
            failure.addSuppressed(notStarted);
        }
    }

    /**
     * Brings the guest to RUNNING: resumes a paused one, restores one from Stillpoint's saved state (and
     * deletes the file), boots an off one (libvirt resumes its own managed save itself).
     */
    @Override
    public void start(String ref) {
        String uuid = uuid(ref);
        saving.add(uuid);
        try {
            startDomain(uuid);
        } finally {
            saving.remove(uuid);
        }
    }

    private void startDomain(String uuid) {
        boolean restored = onDomain("starting domain " + uuid, deadlines.save(), uuid, (calls, d) -> {
            int state = state(calls, d);
            switch (state) {
                case LibvirtNative.VIR_DOMAIN_RUNNING, LibvirtNative.VIR_DOMAIN_BLOCKED -> {
                    return false;
                }
                case LibvirtNative.VIR_DOMAIN_PAUSED -> {
                    calls.check(calls.lib.virDomainResume(d), "resuming domain " + uuid);
                    return false;
                }
                case LibvirtNative.VIR_DOMAIN_PMSUSPENDED -> throw new HostException("domain " + uuid + " on host '"
                        + name + "' was suspended by its own guest OS; wake it with virsh dompmwakeup");
                case LibvirtNative.VIR_DOMAIN_SHUTDOWN -> throw new HostException("domain " + uuid + " on host '"
                        + name + "' is shutting down; start it once it is off", true, null);
                default -> {
                    if (calls.lib.virDomainIsActive(d) == 1) {
                        // A crashed domain that libvirt keeps for inspection must end before it can start again.
                        calls.check(calls.lib.virDomainDestroy(d), "ending crashed domain " + uuid);
                    }
                    if (hasSavedState(uuid)) {
                        calls.check(calls.lib.virDomainRestore(calls.conn, savedStateFile(uuid).toString()),
                                "restoring domain " + uuid + " from " + savedStateFile(uuid));
                        return true;
                    }
                    calls.check(calls.lib.virDomainCreate(d), "starting domain " + uuid);
                    return false;
                }
            }
        });
        if (restored) {
            discardSavedState(uuid);
        }
    }

    /** Shuts the guest down, destroys it if it is still running after the shutdown deadline, and drops a saved state. */
    @Override
    public void stop(String ref) {
        String uuid = uuid(ref);
        boolean active = onDomain("stopping domain " + uuid, deadlines.command(), uuid, (calls, d) -> {
            if (calls.check(calls.lib.virDomainIsActive(d), "reading domain " + uuid) == 0) {
                return false;
            }
            if (calls.check(calls.lib.virDomainIsPersistent(d), "reading domain " + uuid) == 0) {
                throw new HostException("domain " + uuid + " on host '" + name + "' is transient; libvirt would forget"
                        + " it once stopped");
            }
            if (state(calls, d) == LibvirtNative.VIR_DOMAIN_PAUSED) {
                calls.check(calls.lib.virDomainResume(d), "resuming domain " + uuid + " to shut it down");
            }
            calls.check(calls.lib.virDomainShutdown(d), "shutting down domain " + uuid);
            return true;
        });
        if (active && !waitUntilOff(uuid)) {
            LOG.log(System.Logger.Level.INFO, "domain " + uuid + " on host '" + name + "' did not shut down within "
                    + deadlines.shutdown().toMillis() + " ms; destroying it");
            onDomain("destroying domain " + uuid, deadlines.command(), uuid, (calls, d) -> {
                if (calls.lib.virDomainIsActive(d) == 1) {
                    calls.check(calls.lib.virDomainDestroy(d), "destroying domain " + uuid);
                }
                return null;
            });
        }
        discardSavedState(uuid);
    }

    private boolean waitUntilOff(String uuid) {
        long until = System.nanoTime() + deadlines.shutdown().toNanos();
        while (true) {
            boolean active = onDomain("reading domain " + uuid, deadlines.command(), uuid,
                    (calls, d) -> calls.check(calls.lib.virDomainIsActive(d), "reading domain " + uuid) == 1);
            if (!active) {
                return true;
            }
            if (System.nanoTime() >= until) {
                return false;
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HostException("waiting for domain " + uuid + " to shut down was interrupted", true, e);
            }
        }
    }

    /** libvirt reads a domain's XML afresh on every call; there is nothing to re-read. */
    @Override
    public void reload(String ref) {
        guest(ref);
    }

    @Override
    public void close() {
        connection.close();
    }

    private interface DomainCall<T> {
        T apply(LibvirtConnection.Calls calls, Pointer domain);
    }

    private <T> T onDomain(String what, Duration deadline, String uuid, DomainCall<T> body) {
        return connection.call(what, deadline, calls -> calls.withDomain(uuid, d -> body.apply(calls, d)));
    }

    /** A domain UUID in libvirt's lower-case form; anything else names no guest of this host. */
    private String uuid(String ref) {
        String lower = ref == null ? "" : ref.toLowerCase(Locale.ROOT);
        if (!GeneratedNames.isUuid(lower)) {
            throw new GuestNotFoundException(name, ref);
        }
        return lower;
    }

    private synchronized OwnedFolder savedStates() throws IOException {
        if (savedStates == null) {
            savedStates = OwnedFolder.create(root.resolve(SAVED_STATES), SAVED_STATE_PURPOSE, ownerId());
        }
        return savedStates;
    }

    private UUID ownerId() {
        return UUID.nameUUIDFromBytes(("libvirt host " + name).getBytes(StandardCharsets.UTF_8));
    }

    private Path savedStateFile(String uuid) {
        return root.resolve(SAVED_STATES).resolve(uuid);
    }

    private boolean hasSavedState(String uuid) {
        return Files.isRegularFile(savedStateFile(uuid), LinkOption.NOFOLLOW_LINKS);
    }

    private void discardSavedState(String uuid) {
        if (!Files.exists(savedStateFile(uuid), LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            savedStates().deleteGenerated(uuid);
        } catch (IOException e) {
            throw new HostException("the saved state " + savedStateFile(uuid) + " of domain " + uuid + " on host '" + name
                    + "' could not be removed: " + e.getMessage(), false, e);
        }
    }

    /**
     * A saved state of a domain that runs again (started cold by someone else after a restore failed) no
     * longer matches its disks: restoring it later would run the old memory on newer disks. Only a running
     * domain's is stale; one paused may be saving or restoring from it right now.
     */
    private void discardStaleSavedState(String uuid, String guestName) {
        try {
            discardSavedState(uuid);
            LOG.log(System.Logger.Level.WARNING, "libvirt host '" + name + "': guest '" + guestName + "' runs again,"
                    + " so its saved state from an earlier hold was removed");
        } catch (HostException e) {
            LOG.log(System.Logger.Level.ERROR, e.getMessage());
        }
    }

    private Path frozenMarker(String uuid) {
        return root.resolve(FROZEN).resolve(uuid);
    }

    private static final class Hold extends AbstractGuestHold {

        private final Runnable resume;

        Hold(HoldMode mode, GuestState prior, boolean nothingHeld, Runnable resume) {
            super(mode, prior, nothingHeld);
            this.resume = resume;
        }

        @Override
        protected void resume() {
            resume.run();
        }
    }
}
