package io.stillpoint.host.libvirt;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import io.stillpoint.host.HostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the libvirt writer does to a domain's disks through the host's connection: checkpoints, external
 * disk-only snapshots on overlays it made itself, and active block commits that pivot the domain back onto
 * its own disks. Every call is one libvirt API call under the host's deadline (a commit polls under its
 * own), so the guest's hold carries no process start and no second connection.
 */
public final class LibvirtBlocks {

    private static final Duration POLL = Duration.ofMillis(10);

    private final LibvirtConnection connection;
    private final LibvirtDeadlines deadlines;

    LibvirtBlocks(LibvirtConnection connection, LibvirtDeadlines deadlines) {
        this.connection = connection;
        this.deadlines = deadlines;
    }

    /** A file-backed disk of a domain as its live definition has it now. */
    public record Disk(String target, Path file, String format) {}

    /** The domain's file-backed disks, with the file each one writes to now (an overlay while a snapshot is on). */
    public List<Disk> disks(String uuid) {
        return DomainXml.fileDisks(domainXml(uuid, false));
    }

    /** The file-backed disks of the domain's persistent definition; none for a transient domain, which has none. */
    public List<Disk> definedDisks(String uuid) {
        boolean persistent = connection.call("reading domain " + uuid, deadlines.command(), calls -> calls.withDomain(
                uuid, domain -> calls.check(calls.lib.virDomainIsPersistent(domain), "reading domain " + uuid) == 1));
        return persistent ? DomainXml.fileDisks(domainXml(uuid, true)) : List.of();
    }

    /** The domain's persistent definition (no secrets): what a restore point keeps beside the disks. */
    public String inactiveXml(String uuid) {
        return domainXml(uuid, true);
    }

    private String domainXml(String uuid, boolean inactive) {
        return connection.call("reading the definition of domain " + uuid, deadlines.command(),
                calls -> calls.withDomain(uuid, domain -> {
                    Pointer text = calls.lib.virDomainGetXMLDesc(domain,
                            inactive ? LibvirtNative.VIR_DOMAIN_XML_INACTIVE : 0);
                    if (text == null) {
                        throw calls.failure("reading the definition of domain " + uuid);
                    }
                    try {
                        return text.getString(0, StandardCharsets.UTF_8.name());
                    } finally {
                        Native.free(Pointer.nativeValue(text));
                    }
                }));
    }

    /**
     * Creates checkpoint {@code name}: a persistent bitmap of that name on each disk in {@code tracked}
     * (qcow2 only), none on the others.
     */
    public void createCheckpoint(String uuid, String name, List<String> tracked, List<String> untracked) {
        StringBuilder xml = new StringBuilder("<domaincheckpoint><name>").append(escape(name)).append("</name><disks>");
        tracked.forEach(disk -> xml.append("<disk name='").append(escape(disk)).append("' checkpoint='bitmap'/>"));
        untracked.forEach(disk -> xml.append("<disk name='").append(escape(disk)).append("' checkpoint='no'/>"));
        xml.append("</disks></domaincheckpoint>");
        connection.call("creating checkpoint " + name + " of domain " + uuid, deadlines.command(),
                calls -> calls.withDomain(uuid, domain -> {
                    Pointer checkpoint = calls.lib.virDomainCheckpointCreateXML(domain, xml.toString(), 0);
                    if (checkpoint == null) {
                        throw calls.failure("creating checkpoint " + name + " of domain " + uuid);
                    }
                    calls.lib.virDomainCheckpointFree(checkpoint);
                    return null;
                }));
    }

    /** The names of the domain's checkpoints, its admin's among them. */
    public List<String> checkpoints(String uuid) {
        return connection.call("listing the checkpoints of domain " + uuid, deadlines.command(),
                calls -> calls.withDomain(uuid, domain -> {
                    PointerByReference array = new PointerByReference();
                    int count = calls.check(calls.lib.virDomainListAllCheckpoints(domain, array, 0),
                            "listing the checkpoints of domain " + uuid);
                    List<String> names = new ArrayList<>(count);
                    if (count == 0) {
                        return names;
                    }
                    Pointer[] checkpoints = array.getValue().getPointerArray(0, count);
                    try {
                        for (Pointer checkpoint : checkpoints) {
                            names.add(calls.lib.virDomainCheckpointGetName(checkpoint));
                        }
                    } finally {
                        for (Pointer checkpoint : checkpoints) {
                            calls.lib.virDomainCheckpointFree(checkpoint);
                        }
                        Native.free(Pointer.nativeValue(array.getValue()));
                    }
                    return names;
                }));
    }

    /** Deletes checkpoint {@code name} and its bitmaps; a checkpoint already gone is no error. */
    public void deleteCheckpoint(String uuid, String name) {
        deleteCheckpoint(uuid, name, 0);
    }

    /**
     * Deletes checkpoint {@code name} from libvirt's records only, leaving its bitmaps in the disk files:
     * libvirt deletes no checkpoint of a shut-off domain otherwise. A checkpoint already gone is no error.
     */
    public void forgetCheckpoint(String uuid, String name) {
        deleteCheckpoint(uuid, name, LibvirtNative.VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY);
    }

    private void deleteCheckpoint(String uuid, String name, int flags) {
        connection.call("deleting checkpoint " + name + " of domain " + uuid, deadlines.command(),
                calls -> calls.withDomain(uuid, domain -> {
                    calls.lib.virResetLastError();
                    Pointer checkpoint = calls.lib.virDomainCheckpointLookupByName(domain, name, 0);
                    if (checkpoint == null) {
                        if (calls.lib.virGetLastErrorCode() == LibvirtNative.VIR_ERR_NO_DOMAIN_CHECKPOINT) {
                            return null;
                        }
                        throw calls.failure("looking up checkpoint " + name + " of domain " + uuid);
                    }
                    try {
                        calls.check(calls.lib.virDomainCheckpointDelete(checkpoint, flags),
                                "deleting checkpoint " + name + " of domain " + uuid);
                    } finally {
                        calls.lib.virDomainCheckpointFree(checkpoint);
                    }
                    return null;
                }));
    }

    /**
     * Puts the overlays (qcow2 files backed by the disks, made beforehand) on top of the disks of {@code
     * overlays}, all at once, without snapshot metadata: from now on the domain writes only to them. Other
     * disks are left as they are.
     */
    public void snapshotDisks(String uuid, Map<String, Path> overlays, List<String> others) {
        StringBuilder xml = new StringBuilder("<domainsnapshot><disks>");
        overlays.forEach((disk, overlay) -> xml.append("<disk name='").append(escape(disk))
                .append("' snapshot='external' type='file'><driver type='qcow2'/><source file='")
                .append(escape(overlay.toString())).append("'/></disk>"));
        others.forEach(disk -> xml.append("<disk name='").append(escape(disk)).append("' snapshot='no'/>"));
        xml.append("</disks></domainsnapshot>");
        int flags = LibvirtNative.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY
                | LibvirtNative.VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC
                | LibvirtNative.VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA
                | LibvirtNative.VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT;
        connection.call("snapshotting the disks of domain " + uuid, deadlines.command(),
                calls -> calls.withDomain(uuid, domain -> {
                    Pointer snapshot = calls.lib.virDomainSnapshotCreateXML(domain, xml.toString(), flags);
                    if (snapshot == null) {
                        throw calls.failure("snapshotting the disks of domain " + uuid);
                    }
                    calls.lib.virDomainSnapshotFree(snapshot);
                    return null;
                }));
    }

    /**
     * Merges the overlay on top of disk {@code target} into the image below it while the domain runs, and
     * pivots the domain back onto that image: an active block commit, completed once QEMU has mirrored the
     * overlay's writes and keeps mirroring new ones.
     */
    public void commit(String uuid, String target, Duration within) {
        String what = "committing the overlay of disk " + target + " of domain " + uuid;
        // A commit that a lost connection or a dead process left running is finished, not started again
        // (libvirt refuses a second job on the disk).
        LibvirtNative.BlockJobInfo before = new LibvirtNative.BlockJobInfo();
        int running = onDomain(what, uuid, (calls, domain) -> calls.check(calls.lib.virDomainGetBlockJobInfo(domain,
                target, before, 0), what));
        if (running != 0 && before.type != LibvirtNative.VIR_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT) {
            throw new HostException(what + ": the disk runs another block job (type " + before.type + "), which is"
                    + " not Stillpoint's to finish", false, null);
        }
        if (running == 0) {
            onDomain(what, uuid, (calls, domain) -> calls.check(calls.lib.virDomainBlockCommit(domain, target, null,
                    null, 0, LibvirtNative.VIR_DOMAIN_BLOCK_COMMIT_ACTIVE), what));
        }
        Instant deadline = Instant.now().plus(within);
        while (true) {
            LibvirtNative.BlockJobInfo info = new LibvirtNative.BlockJobInfo();
            int active = onDomain(what, uuid, (calls, domain) -> calls.check(
                    calls.lib.virDomainGetBlockJobInfo(domain, target, info, 0), what));
            if (active == 0) {
                throw new HostException(what + ": the commit job ended before it was pivoted", false, null);
            }
            // A pivot without the async flag returns once the domain writes to the image below. QEMU refuses
            // it until the mirror has caught up, which a later round retries.
            if (info.cur == info.end && onDomain(what, uuid, (calls, domain) -> calls.lib.virDomainBlockJobAbort(
                    domain, target, LibvirtNative.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT)) == 0) {
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new HostException(what + " did not finish within " + within.toSeconds() + " s; the job goes on"
                        + " and the next release or recovery finishes it", true, null);
            }
            sleep();
        }
    }

    /** The file-backed disks of the definition kept in a saved state: those a restore from it runs on. */
    public List<Disk> savedStateDisks(Path savedState) {
        return DomainXml.fileDisks(savedStateXml(savedState));
    }

    /**
     * Puts the disks of the definition kept in a saved state on other files, by target: a domain restored
     * from it then runs on them (only such host-side parts of a saved definition may change).
     */
    public void defineSavedStateDisks(Path savedState, List<Disk> disks) {
        String xml = savedStateXml(savedState);
        for (Disk disk : disks) {
            xml = DomainDefinitions.withDiskSource(xml, disk.target(), disk.file(), disk.format());
        }
        String what = "changing the disks of the saved state " + savedState;
        String changed = xml;
        connection.call(what, deadlines.command(), calls -> calls.check(
                calls.lib.virDomainSaveImageDefineXML(calls.conn, savedState.toString(), changed, 0), what));
    }

    private String savedStateXml(Path savedState) {
        return connection.call("reading the definition in " + savedState, deadlines.command(), calls -> {
            Pointer text = calls.lib.virDomainSaveImageGetXMLDesc(calls.conn, savedState.toString(), 0);
            if (text == null) {
                throw calls.failure("reading the definition in " + savedState);
            }
            try {
                return text.getString(0, StandardCharsets.UTF_8.name());
            } finally {
                Native.free(Pointer.nativeValue(text));
            }
        });
    }

    /** Defines a persistent domain; returns its UUID. */
    public String define(String xml) {
        return connection.call("defining a domain", deadlines.command(), calls -> {
            Pointer domain = calls.lib.virDomainDefineXML(calls.conn, xml);
            if (domain == null) {
                throw calls.failure("defining a domain");
            }
            try {
                byte[] uuid = new byte[LibvirtNative.VIR_UUID_STRING_BUFLEN];
                calls.check(calls.lib.virDomainGetUUIDString(domain, uuid), "reading the new domain's UUID");
                return new String(uuid, 0, uuid.length - 1, StandardCharsets.US_ASCII);
            } finally {
                calls.lib.virDomainFree(domain);
            }
        });
    }

    /** Drops libvirt's managed save of the domain, if it has one. */
    public void removeManagedSave(String uuid) {
        String what = "removing the managed save of domain " + uuid;
        onDomain(what, uuid, (calls, domain) -> calls.check(calls.lib.virDomainHasManagedSaveImage(domain, 0), what) == 1
                ? calls.check(calls.lib.virDomainManagedSaveRemove(domain, 0), what) : 0);
    }

    /** Starts a shut-off domain with its vCPUs stopped, as a hold that resumes it later expects. */
    public void startPaused(String uuid) {
        onDomain("starting domain " + uuid + " paused", uuid, (calls, domain) -> calls.check(
                calls.lib.virDomainCreateWithFlags(domain, LibvirtNative.VIR_DOMAIN_START_PAUSED),
                "starting domain " + uuid + " paused"));
    }

    /**
     * Points disk {@code target} of a shut-off domain's persistent definition at {@code file}: after an
     * offline commit, the definition must leave the overlay that libvirt put there at the snapshot.
     */
    public void pointDiskAt(String uuid, String target, Path file, String format) {
        String xml = DomainDefinitions.withDiskSource(inactiveXml(uuid), target, file, format);
        connection.call("redefining domain " + uuid, deadlines.command(), calls -> {
            Pointer domain = calls.lib.virDomainDefineXML(calls.conn, xml);
            if (domain == null) {
                throw calls.failure("redefining domain " + uuid + " with disk " + target + " on " + file);
            }
            calls.lib.virDomainFree(domain);
            return null;
        });
    }

    /** A block job running on a disk: its libvirt type, and how many of its bytes are copied. */
    record BlockJob(int type, long done, long total) {}

    /** The block job on disk {@code target} of the domain, if one runs. */
    Optional<BlockJob> blockJob(String uuid, String target) {
        String what = "reading the block job of disk " + target + " of domain " + uuid;
        return onDomain(what, uuid, (calls, domain) -> {
            LibvirtNative.BlockJobInfo info = new LibvirtNative.BlockJobInfo();
            int running = calls.check(calls.lib.virDomainGetBlockJobInfo(domain, target, info, 0), what);
            return running == 0 ? Optional.<BlockJob>empty() : Optional.of(new BlockJob(info.type, info.cur, info.end));
        });
    }

    /**
     * Starts copying disk {@code target}, its whole chain flattened, into a new qcow2 file {@code destination}
     * that libvirt makes, while the domain runs; the copy then mirrors the domain's writes until it is pivoted
     * to or cancelled. The job is transient: a domain that stops ends it, on its old disk.
     *
     * @param bytesPerSecond the copy's speed limit, 0 for none
     */
    void copyDisk(String uuid, String target, Path destination, long bytesPerSecond) {
        String xml = "<disk type='file'><driver type='qcow2'/><source file='" + escape(destination.toString())
                + "'/></disk>";
        String what = "copying disk " + target + " of domain " + uuid + " to " + destination;
        onDomain(what, uuid, (calls, domain) -> {
            LibvirtNative.TypedParameter bandwidth = LibvirtNative.TypedParameter.unsignedLong("bandwidth",
                    Math.max(0, bytesPerSecond));
            return calls.check(calls.lib.virDomainBlockCopy(domain, target, xml, bandwidth.getPointer(), 1,
                    LibvirtNative.VIR_DOMAIN_BLOCK_COPY_TRANSIENT_JOB), what);
        });
    }

    /**
     * Switches disk {@code target} over to the copy its block job made; false while the copy has not caught
     * up (QEMU refuses the pivot then), true once the domain writes to the copy.
     */
    boolean pivot(String uuid, String target) {
        return onDomain("pivoting disk " + target + " of domain " + uuid, uuid, (calls, domain) ->
                calls.lib.virDomainBlockJobAbort(domain, target, LibvirtNative.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT) == 0);
    }

    /** Cancels the block job on disk {@code target}, if one runs; the domain goes on with the disk it had. */
    void cancelBlockJob(String uuid, String target) {
        String what = "cancelling the block job of disk " + target + " of domain " + uuid;
        onDomain(what, uuid, (calls, domain) -> {
            LibvirtNative.BlockJobInfo info = new LibvirtNative.BlockJobInfo();
            if (calls.check(calls.lib.virDomainGetBlockJobInfo(domain, target, info, 0), what) == 0) {
                return null;
            }
            calls.check(calls.lib.virDomainBlockJobAbort(domain, target, 0), what);
            return null;
        });
    }

    /** Ends the domain at once if it runs, and forgets its definition, managed save, metadata and NVRAM. */
    void destroyAndUndefine(String uuid) {
        String what = "removing domain " + uuid;
        onDomain(what, uuid, (calls, domain) -> {
            if (calls.check(calls.lib.virDomainIsActive(domain), what) == 1) {
                calls.check(calls.lib.virDomainDestroy(domain), "destroying domain " + uuid);
            }
            return calls.check(calls.lib.virDomainUndefineFlags(domain, LibvirtNative.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
                    | LibvirtNative.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA | LibvirtNative.VIR_DOMAIN_UNDEFINE_NVRAM
                    | LibvirtNative.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA), "undefining domain " + uuid);
        });
    }

    private interface DomainCall<T> {
        T apply(LibvirtConnection.Calls calls, Pointer domain);
    }

    private <T> T onDomain(String what, String uuid, DomainCall<T> body) {
        return connection.call(what, deadlines.command(), calls -> calls.withDomain(uuid, d -> body.apply(calls, d)));
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostException("interrupted while a block commit ran", true, e);
        }
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;")
                .replace("\"", "&quot;");
    }
}
