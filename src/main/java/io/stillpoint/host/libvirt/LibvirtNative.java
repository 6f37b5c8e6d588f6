package io.stillpoint.host.libvirt;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * The few functions of {@code libvirt.so.0} Stillpoint calls, as C declares them. Pointers stay opaque
 * {@link Pointer}s: every {@code virDomainPtr} returned is released with {@link #virDomainFree}, every
 * {@code char *} the caller owns with C's {@code free}. Errors are kept per thread by libvirt, so
 * {@link #virGetLastErrorMessage} is read on the thread of the call that failed, right after it.
 */
interface LibvirtNative extends Library {

    int VIR_DOMAIN_NOSTATE = 0;
    int VIR_DOMAIN_RUNNING = 1;
    int VIR_DOMAIN_BLOCKED = 2;
    int VIR_DOMAIN_PAUSED = 3;
    int VIR_DOMAIN_SHUTDOWN = 4;
    int VIR_DOMAIN_SHUTOFF = 5;
    int VIR_DOMAIN_CRASHED = 6;
    int VIR_DOMAIN_PMSUSPENDED = 7;

    int VIR_ERR_NO_DOMAIN = 42;
    int VIR_ERR_NO_DOMAIN_CHECKPOINT = 102;

    int VIR_DOMAIN_XML_INACTIVE = 2;
    int VIR_DOMAIN_START_PAUSED = 1;
    int VIR_UUID_STRING_BUFLEN = 37;

    int VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA = 4;
    int VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY = 16;
    int VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT = 32;
    int VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC = 128;

    int VIR_DOMAIN_BLOCK_COMMIT_ACTIVE = 4;
    int VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT = 2;
    int VIR_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT = 4;
    int VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY = 2;

    int VIR_DOMAIN_BLOCK_JOB_TYPE_COPY = 2;
    /** A copy on a persistent domain: libvirt refuses one without it, as the job does not survive a restart. */
    int VIR_DOMAIN_BLOCK_COPY_TRANSIENT_JOB = 4;
    int VIR_TYPED_PARAM_ULLONG = 4;
    int VIR_DOMAIN_UNDEFINE_MANAGED_SAVE = 1;
    int VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA = 2;
    int VIR_DOMAIN_UNDEFINE_NVRAM = 4;
    int VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA = 16;

    /** libvirt's default handler prints every error to stderr; Stillpoint reports them itself. */
    interface ErrorFunc extends Callback {
        void invoke(Pointer userData, Pointer error);
    }

    void virSetErrorFunc(Pointer userData, ErrorFunc handler);

    String virGetLastErrorMessage();

    int virGetLastErrorCode();

    void virResetLastError();

    int virEventRegisterDefaultImpl();

    int virEventRunDefaultImpl();

    Pointer virConnectOpen(String name);

    int virConnectClose(Pointer conn);

    int virConnectIsAlive(Pointer conn);

    int virConnectSetKeepAlive(Pointer conn, int interval, int count);

    int virConnectListAllDomains(Pointer conn, PointerByReference domains, int flags);

    Pointer virDomainLookupByUUIDString(Pointer conn, String uuid);

    int virDomainGetState(Pointer domain, IntByReference state, IntByReference reason, int flags);

    /** A {@code char *} the caller frees. */
    Pointer virDomainGetXMLDesc(Pointer domain, int flags);

    int virDomainIsActive(Pointer domain);

    int virDomainIsPersistent(Pointer domain);

    int virDomainHasManagedSaveImage(Pointer domain, int flags);

    /** The name kept in the domain object: no call to libvirtd. */
    String virDomainGetName(Pointer domain);

    int virDomainSuspend(Pointer domain);

    int virDomainResume(Pointer domain);

    int virDomainSave(Pointer domain, String to);

    int virDomainRestore(Pointer conn, String from);

    int virDomainShutdown(Pointer domain);

    int virDomainDestroy(Pointer domain);

    int virDomainCreate(Pointer domain);

    int virDomainFSFreeze(Pointer domain, Pointer mountpoints, int count, int flags);

    int virDomainFSThaw(Pointer domain, Pointer mountpoints, int count, int flags);

    int virDomainFree(Pointer domain);

    // The writer's: checkpoints, external disk snapshots and active block commits (libvirt 6.0 and later),
    // as libvirt-domain.h, libvirt-domain-checkpoint.h and libvirt-domain-snapshot.h declare them.

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

    // Instant recovery's: a disk copied while the domain runs, and a domain forgotten.

    /** @param params {@code virTypedParameter[nparams]}, see {@link TypedParameter} */
    int virDomainBlockCopy(Pointer domain, String disk, String destXml, Pointer params, int nparams, int flags);

    int virDomainUndefineFlags(Pointer domain, int flags);

    /** {@code virDomainBlockJobInfo}: {@code unsigned long} is 64 bits on the LP64 hosts libvirt runs on. */
    @Structure.FieldOrder({"type", "bandwidth", "cur", "end"})
    class BlockJobInfo extends Structure {
        public int type;
        public long bandwidth;
        public long cur;
        public long end;
    }

    /**
     * One {@code virTypedParameter} holding an {@code unsigned long long}: {@code char field[80]}, {@code int
     * type}, then the 8-byte union, aligned to 8.
     */
    @Structure.FieldOrder({"field", "type", "value"})
    class TypedParameter extends Structure {
        public byte[] field = new byte[80];
        public int type;
        public long value;

        static TypedParameter unsignedLong(String name, long number) {
            TypedParameter parameter = new TypedParameter();
            byte[] bytes = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            System.arraycopy(bytes, 0, parameter.field, 0, bytes.length);
            parameter.type = VIR_TYPED_PARAM_ULLONG;
            parameter.value = number;
            parameter.write();
            return parameter;
        }
    }
}
