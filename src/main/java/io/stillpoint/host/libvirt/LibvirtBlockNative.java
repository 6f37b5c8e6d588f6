package io.stillpoint.host.libvirt;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.PointerByReference;

/**
 * The libvirt functions the libvirt writer needs beyond the host's: checkpoints, external disk snapshots
 * and active block commits (libvirt 6.0 and later). Signatures as in {@code libvirt-domain.h}, {@code
 * libvirt-domain-checkpoint.h} and {@code libvirt-domain-snapshot.h}.
 */
interface LibvirtBlockNative extends Library {

    int VIR_DOMAIN_XML_INACTIVE = 2;
    int VIR_DOMAIN_START_PAUSED = 1;

    int VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA = 4;
    int VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY = 16;
    int VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT = 32;
    int VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC = 128;

    int VIR_DOMAIN_BLOCK_COMMIT_ACTIVE = 4;
    int VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT = 2;
    int VIR_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT = 4;

    int VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY = 2;
    int VIR_ERR_NO_DOMAIN_CHECKPOINT = 102;
    int VIR_UUID_STRING_BUFLEN = 37;

    Pointer virDomainDefineXML(Pointer conn, String xml);

    int virDomainGetUUIDString(Pointer domain, byte[] buffer);

    int virDomainCreateWithFlags(Pointer domain, int flags);

    int virDomainManagedSaveRemove(Pointer domain, int flags);

    Pointer virDomainSaveImageGetXMLDesc(Pointer conn, String file, int flags);

    int virDomainSaveImageDefineXML(Pointer conn, String file, String xml, int flags);

    Pointer virDomainCheckpointCreateXML(Pointer domain, String xml, int flags);

    Pointer virDomainCheckpointLookupByName(Pointer domain, String name, int flags);

    int virDomainListAllCheckpoints(Pointer domain, PointerByReference checkpoints, int flags);

    /** Owned by the checkpoint object: not to be freed. */
    String virDomainCheckpointGetName(Pointer checkpoint);

    int virDomainCheckpointDelete(Pointer checkpoint, int flags);

    int virDomainCheckpointFree(Pointer checkpoint);

    Pointer virDomainSnapshotCreateXML(Pointer domain, String xml, int flags);

    int virDomainSnapshotFree(Pointer snapshot);

    int virDomainBlockCommit(Pointer domain, String disk, String base, String top, long bandwidth, int flags);

    /** @return 1 with {@code info} filled while a job runs on the disk, 0 when none does, -1 on error */
    int virDomainGetBlockJobInfo(Pointer domain, String disk, BlockJobInfo info, int flags);

    int virDomainBlockJobAbort(Pointer domain, String disk, int flags);

    /** {@code virDomainBlockJobInfo}: {@code unsigned long} is 64 bits on the LP64 hosts libvirt runs on. */
    @Structure.FieldOrder({"type", "bandwidth", "cur", "end"})
    class BlockJobInfo extends Structure {
        public int type;
        public long bandwidth;
        public long cur;
        public long end;
    }
}
