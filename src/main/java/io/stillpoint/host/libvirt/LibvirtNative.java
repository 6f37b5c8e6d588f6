package io.stillpoint.host.libvirt;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Pointer;
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
}
